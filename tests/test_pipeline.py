"""Every output for any network: a build writes all its files or none, the walkthrough parses back to
the engine's numbers and says how the examples are batched, and independent spreadsheet engines
(LibreOffice, Gnumeric, formualizer) recalculate the workbook to the numbers it caches."""

from __future__ import annotations

import dataclasses
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engines
from sheetprop import outputs
from sheetprop.outputs import WRITERS, Writer, build
from sheetprop.runs import Run
from test_networks import networks
from test_walkthrough import equations, evaluate, printed_from


def small(config, rates):
    """The drawn network with a few iterations and rates: enough to update, small enough to recalculate."""
    return dataclasses.replace(config, name="drawn", iterations=6, learning_rates=tuple(rates))


rates = st.lists(st.sampled_from([0.05, 0.1, 0.5, 1.0]), min_size=1, max_size=3, unique=True)


def expected_files(name: str) -> set[str]:
    return {f"{name}.xlsx", f"{name}-learning-rates.png", f"{name}-walkthrough.md", f"{name}-walkthrough.html",
            f"{name}-network.svg"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(networks(), rates)
def test_every_output_of_any_network(tmp_path_factory, config, learning_rates):
    config = small(config, learning_rates)
    out = tmp_path_factory.mktemp("build")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an XlsxWriter warning (a skipped name, a cut formula) fails the build
        result = build(config, out)
    assert {p.name for p in out.iterdir()} == expected_files("drawn") == {p.name for p in result.files}

    # The walkthrough, parsed back: each result is the engine's, each form evaluates to it.
    run = Run.of(config)
    rate = config.shown_rate
    given = config.values_for(config.network.optimizer)  # the parameters a form reads: λ, δ, μ, …
    first, second = (dict(given, **dict(zip((q.name for q in run.graph.quantities), row)), lr=rate)
                     for row in list(run.rows(rate))[:2])
    text = (out / "drawn-walkthrough.md").read_text(encoding="utf-8")
    found = equations(text)
    assert found
    for left, right in found:
        value = (second if left.endswith("⁺") else first)[left.removesuffix("⁺")]
        assert printed_from(value, right[-1]), (left, right[-1], value)
        for side in right[:-1]:
            if "…" not in side and "mod" not in side:
                # Printed to 9 digits, the numbers of a sum that cancels carry its terms' rounding.
                magnitude = abs(evaluate(side.replace("−", "+"), first))
                assert evaluate(side, first) == pytest.approx(value, rel=1e-6, abs=1e-9 + 1e-7 * magnitude), \
                    (left, side)
    network = config.network
    if network.examples > 1:
        words = ("in one full batch" if len(network.batches()) == 1 else
                 f"in mini-batches of {network.batch_size} taken in turn ({len(network.batches())} batches")
        assert words in text and "full-batch" not in text


@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(networks(), rates), min_size=4, max_size=4))
def test_independent_engines_recalculate_drawn_networks_to_the_cached_numbers(tmp_path_factory, drawn):
    for i, (config, learning_rates) in enumerate(drawn):
        work = tmp_path_factory.mktemp(f"engines{i}")
        workbook = build(small(config, learning_rates), work / "out").workbook
        assert engines.libreoffice_mismatches(workbook, work) == [], config
        assert engines.gnumeric_mismatches(workbook, work) == [], config
        report = engines.formualizer_report(workbook)
        assert report["cache_cells_changed"] == 0 and report["unknown_functions"] == [], report["message"]
        assert engines.audit_errors(workbook) == []


def broken(run, folder):
    """A writer that fails after writing part of its file, as a full disk would make it."""
    (folder / "half-written.txt").write_text("…")
    raise OSError("the disk is full")


def test_a_failing_writer_leaves_the_output_folder_as_it_was(lecture, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build(dataclasses.replace(lecture, iterations=3), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # It fails after the workbook and before the PNG and the walkthrough are written.
    monkeypatch.setattr(outputs, "WRITERS", (WRITERS[0], Writer("broken", "nothing", "test_pipeline:broken"),
                                             *WRITERS[1:]))
    with pytest.raises(OSError, match="the disk is full"):
        build(dataclasses.replace(lecture, iterations=5), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no new file, no changed one, no leftovers


def test_the_png_is_drawn_aside_with_the_collector_off_and_the_build_keeps_it_on(lecture, tmp_path, monkeypatch):
    # The PNG's process is the build's longest path; the collector's passes over matplotlib's import are an
    # eighth of it (benchmarks/speed.py). The process exits after one drawing, so nothing piles up.
    import gc
    import os

    from sheetprop.plots import chart_name

    def noting(run, folder):
        path = folder / chart_name(run.config.stem)
        path.write_text(f"{os.getpid()} {gc.isenabled()}")
        return (path,)

    monkeypatch.setattr("sheetprop.plots.write", noting)
    chart = build(dataclasses.replace(lecture, iterations=3), tmp_path).chart
    pid, enabled = chart.read_text().split()
    assert int(pid) != os.getpid() and enabled == "False"
    assert gc.isenabled()
