"""The published numbers of the three flavours of the worked example, reproduced by the engine."""

import pytest

from helpers import close, printed, run, value


def test_lecture_full_precision(lecture):
    graph, rows = run(lecture, 1.0, 201)
    assert close(value(graph, rows[0], "E_total"), 0.24251985734837728, rel=1e-12)
    assert close(value(graph, rows[1], "E_total"), 0.2285477652787851, rel=1e-12)
    assert close(value(graph, rows[200], "E_total"), 0.0052074660863154505, rel=1e-12)


def test_targets_half_first_iteration(targets_half):
    graph, rows = run(targets_half, 0.5, 1)
    assert close(value(graph, rows[0], "E_total"), 0.014181377937891659, rel=1e-12)


@pytest.mark.parametrize("name, published", [
    ("a_h1", "0.593269992"), ("a_o1", "0.75136507"), ("E_total", "0.298371109"),
    ("∂E/∂w5", "0.082167041"), ("∂E/∂w1", "0.000438568"),
])
def test_blog_first_iteration(blog, name, published):
    graph, rows = run(blog, 0.5, 1)
    assert printed(value(graph, rows[0], name), published)


@pytest.mark.parametrize("name, published", [("w5", "0.35891648"), ("w1", "0.149780716")])
def test_blog_after_one_update(blog, name, published):
    graph, rows = run(blog, 0.5, 2)
    assert printed(value(graph, rows[1], name), published)


def test_blog_after_9999_updates(blog):
    graph, rows = run(blog, 0.5, 10_000)
    assert printed(value(graph, rows[-1], "E_total"), "0.0000351085")


def test_printed_check_can_fail():
    assert not printed(0.2983712, "0.298371109")
