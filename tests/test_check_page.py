"""The check page (``sheetprop check-page``) in headless Chromium, served from a server on 127.0.0.1: the
page runs sheetprop's own verify and grade through Pyodide, and must say what the command line says.

Each sheet is checked on the page and by ``sheetprop verify --json`` (a child process, from the sheet's
folder): the same JSON and the same text. A class folder graded on the page gives the grades.csv that
``sheetprop grade`` writes. The server's log shows nothing requested outside the page's folder, and
Chromium's net log (which sees the Web Worker's requests) nothing from the page to any other host.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import openpyxl
import pytest

import googlesheets
import handmade
from browser import Driven, site_requests
from sheetprop import config as configs
from sheetprop.checkpage import POLICY, inbrowser, runtime, wheels, write_check_page
from sheetprop.libreoffice import convert, recalculate
from test_files import SHEET_MAIN, TEMPLATES, rezipped
from test_verify_hostile import MB, SHEET_CLOSE, SHEET_OPEN, rewritten

from selenium.webdriver.common.by import By  # selenium: the test extra; a missing one fails loudly

ROOT = Path(__file__).resolve().parent.parent
PATIENCE = 300  # seconds to wait for the page on a busy machine: a hang fails, slowness does not
SHEETS = {sheet.title: sheet for sheet in handmade.SHEETS}


def book(folder: Path, name: str, sheets) -> Path:
    """The hand-made ``sheets`` in one workbook, with the values LibreOffice computes cached, as a
    spreadsheet program saves them."""
    workbook = openpyxl.Workbook()
    for i, sheet in enumerate(sheets):
        handmade.write(sheet, workbook.active if i == 0 else workbook.create_sheet())
    workbook.save(folder / f"{name}-formulas.xlsx")
    made = recalculate(folder / f"{name}-formulas.xlsx", folder / f"{name}-lo")
    return shutil.copy(made, folder / f"{name}.xlsx")


@pytest.fixture(scope="module")
def sheets(tmp_path_factory) -> dict[str, Path]:
    """Every file the page is given: a correct sheet, the classic slip (the slope of the wrong hidden unit), a
    Google Sheets download with a correct sheet and a slip, a zip bomb, the slip as an Excel template, a
    sheet saved without values, an .ods."""
    folder = tmp_path_factory.mktemp("sheets")
    correct = book(folder, "correct", [SHEETS["correct"]])
    slip = book(folder, "slip", [SHEETS["hidden unit"]])
    two = book(folder, "two", [SHEETS["correct"], SHEETS["target"]])
    google = googlesheets.download(two, folder / "google.xlsx", wrapped=("act_h1", "∂E/∂W3"))
    piece = b"<row/>" * (MB // 6)

    def bomb(stream):  # 1 GiB of XML in about 1 MB
        stream.write(SHEET_OPEN)
        for _ in range(1024 * MB // len(piece)):
            stream.write(piece)
        stream.write(SHEET_CLOSE)
    hostile = rewritten(correct, folder / "bomb.xlsx", "xl/worksheets/sheet1.xml", bomb)
    template = rezipped(slip, folder / "template.xltx",  # the slip saved as an Excel template
                        {"[Content_Types].xml": lambda xml: xml.replace(SHEET_MAIN, TEMPLATES[".xltx"])})
    uncached = folder / "uncached.xlsx"
    handmade.write_workbook(uncached, [SHEETS["correct"]])
    ods = convert(correct, folder / "ods", "ods")
    return {"correct": correct, "slip": slip, "google": google, "hostile": hostile, "template": template,
            "uncached": uncached, "ods": ods}


# The assignment the hand-made sheets answer whole: the lecture's network and values, η = 0.5, 8 iterations.
ASSIGNMENT = """name = "by hand"
title = "Backpropagation by hand: eight iterations at 0.5"
inputs = [0.05, 0.10]
targets = [0.01, 0.99]
weights = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
learning_rates = [0.5]
iterations = 8
"""


@pytest.fixture(scope="module")
def assignment(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("assignment") / "by-hand.toml"
    path.write_text(ASSIGNMENT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory, assignment) -> Path:
    return write_check_page(tmp_path_factory.mktemp("site") / "check", assignment)[0].parent


class Served:
    """The page's folder served on 127.0.0.1, every path asked for kept."""

    def __init__(self, folder: Path):
        requested = self.requested = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                requested.append(self.path)
                super().do_GET()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# Every text the status line shows, kept from the page's first moment (a test's script runs before the page's).
STATUSES = """
window.statuses = [];
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("status");
  new MutationObserver(() => statuses.push(status.textContent)).observe(status, {childList: true, characterData: true, subtree: true});
});
"""


@pytest.fixture(scope="module")
def page(site, tmp_path_factory):
    """The page loaded once in Chromium, ready; the test of requests closes it (``page.closed``)."""
    served = Served(site)
    browser = Driven(tmp_path_factory.mktemp("chromium"))
    browser.served, browser.closed = served, False
    browser.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": STATUSES})
    browser.driver.get(served.url)
    state = wait(browser, "return document.body.dataset.ready || document.body.dataset.failed && 'failed'")
    assert state == "1", browser.script("return document.getElementById('status').textContent")
    browser.loaded = len(served.requested)  # what a visit fetches: after it, nothing (the page works offline)
    yield browser
    if not browser.closed:
        browser.quit()
    served.close()


def wait(browser, condition: str):
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        value = browser.script(condition)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"the page did not get there in {PATIENCE} s: "
                         + browser.script("return document.getElementById('status').textContent"))


def give(browser, picker: str, path) -> dict:
    """``path`` chosen with the page's ``picker`` (a file, several, or a folder); what the page shows after."""
    before = browser.script("return document.body.dataset.done || ''")
    browser.driver.find_element(By.ID, picker).send_keys(str(path))
    done = f"const done = document.body.dataset.done; return done && done !== {json.dumps(before)}"
    wait(browser, f"{done} || document.body.dataset.failed")
    return browser.script("""
      const text = id => document.getElementById(id).textContent;
      return {verdict: text("verdict"), report: text("report"), json: text("json"), csv: text("csv"),
              status: text("status"), failed: document.body.dataset.failed || null,
              assigned: Array.from(document.querySelectorAll("#assigned li"), li => li.textContent),
              downloads: Array.from(document.querySelectorAll("#downloads a"), a => [a.download, Number(a.dataset.bytes)]),
              classReport: text("class-report")};""")


def command_line(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "sheetprop", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)


@pytest.mark.parametrize("case", ["correct", "slip", "google", "hostile", "template"])
def test_the_page_says_what_sheetprop_verify_says(page, sheets, case):
    path = sheets[case]
    shown = give(page, "pick-file", path)
    assert shown["failed"] is None, shown["status"]
    as_json = command_line("verify", path.name, "--json", cwd=path.parent)
    as_text = command_line("verify", path.name, cwd=path.parent)
    assert json.loads(shown["json"]) == json.loads(as_json.stdout)
    assert shown["report"] == as_text.stdout.rstrip("\n")
    expected = json.loads(as_json.stdout)
    if case == "hostile":  # refused before anything is inflated, in the command line's words
        assert expected["status"] == 2 and "zip bomb" in expected["error"]
        assert shown["verdict"] == expected["error"] == as_text.stderr.strip().removeprefix("sheetprop: error: ")
    elif case == "correct":
        assert expected["status"] == 0 and shown["verdict"] == "Every judged cell agrees with the correct formula."
        assert shown["downloads"] == []
        assert shown["assigned"] == ["Against the assignment, as sheetprop grade marks it: correct, score 1."]
    else:
        assert expected["findings"] and all(f["diagnosis"] for f in expected["findings"])
        assert shown["verdict"].startswith(f"{len(expected['findings'])} quantit")
        ((name, size),) = shown["downloads"]
        assert name == f"{path.stem}-checked.xlsx" and size > 0


def test_the_slip_is_named_as_the_lecture_names_it(page, sheets):
    """The classic slip, read on the page: the cell, the values and the slip, from sheetprop's own judging."""
    report = json.loads(give(page, "pick-file", sheets["slip"])["json"])
    (finding,) = report["findings"]
    assert (finding["cell"], finding["quantity"]) == (handmade.SHEETS[1].cell("dw3", 0), "∂E/∂w3")
    assert "slope of the wrong hidden unit" in finding["diagnosis"]


@pytest.mark.parametrize("case, words", [
    ("uncached", ["needs LibreOffice", "formulas saved without their values", "open it in your spreadsheet program",
                  "sheetprop verify"]),
    ("ods", ["OpenDocument sheet", "LibreOffice cannot run in a web browser", "save it as .xlsx", "sheetprop verify"]),
])
def test_what_a_browser_cannot_do_is_said_with_the_way_around_it(page, sheets, case, words):
    shown = give(page, "pick-file", sheets[case])
    assert shown["failed"] is None
    assert json.loads(shown["json"])["status"] == 2
    for word in words:
        assert word in shown["verdict"], shown["verdict"]


def test_a_class_folder_gives_the_grades_csv_of_sheetprop_grade(page, sheets, assignment, tmp_path):
    folder = tmp_path / "class"
    for student, case in [("ann", "correct"), ("ben", "slip"), ("cat", "google"), ("dan", "hostile")]:
        (folder / student).mkdir(parents=True)
        shutil.copy(sheets[case], folder / student / f"{case}.xlsx")
    (folder / "eve.xlsx").write_bytes(b"a page of notes, not a workbook")
    shown = give(page, "pick-folder", folder)
    assert shown["failed"] is None, shown["status"]
    ran = command_line("grade", folder, "--assignment", assignment, "--out", tmp_path / "out", "--quiet", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    expected = (tmp_path / "out" / "grades.csv").read_text(encoding="utf-8")
    assert shown["csv"] == expected
    assert len(expected.splitlines()) == 6 and "ben/slip.xlsx,wrong" in expected and "eve.xlsx,unreadable" in expected
    # grade's own class report, the same as the command line's grades.html but for the chart (no matplotlib).
    report = (tmp_path / "out" / "grades.html").read_text(encoding="utf-8")
    for heading in re.findall(r"<h2>([^<]*)</h2>", report):
        assert heading.replace("&#x27;", "'") in shown["classReport"]
    assert "<svg" in report and "ben/slip.xlsx" in shown["classReport"] and "slope of the wrong hidden unit" in shown["classReport"]
    assert [name for name, _ in shown["downloads"]] == ["grades.csv", "grades.html"]


def test_the_page_shows_its_loading_its_promise_and_the_assignment(page, site, assignment):
    html = (site / "index.html").read_text(encoding="utf-8")
    assert f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">' in html
    assert "'wasm-unsafe-eval'" in POLICY and "http" not in POLICY and "'unsafe-inline'" not in POLICY
    shown = page.script("return document.body.innerText")
    assert "Your file never leaves this computer." in shown
    given = configs.load(assignment)
    assert f"The assignment: {given.heading}" in shown and "0.5\niterations\t8" in shown.replace(" ", "")
    for name, value in given.values.items():
        assert f"{name}\n{value:.15g}" in shown or f"{name}\t{value:.15g}" in shown
    from sheetprop.files import OOXML, READABLE

    # What it reads, and what the pickers offer (the other kinds refused with the way around): files.READABLE.
    assert all(kind in shown.split("Drop your sheet here")[1].split("\n")[0] for kind in OOXML)
    assert html.count(f'accept="{",".join(READABLE)}"') == 2
    statuses = page.script("return window.statuses")
    assert any("Loading Python and sheetprop into your browser" in s and " MB)" in s for s in statuses), statuses
    assert any(s.startswith("Ready (Python started in ") for s in statuses), statuses


def test_nothing_was_requested_outside_the_folder_or_from_another_host(page, site):
    """Last: it closes the browser to read the net log."""
    page.quit()
    page.closed = True
    paths = [unquote(urlsplit(path).path).removeprefix("/") or "index.html" for path in page.served.requested]
    assert "pyodide.asm.wasm" in paths and any(p.endswith(".whl") for p in paths)
    for path in paths:
        assert (site / path).resolve().is_relative_to(site.resolve()) and (site / path).is_file(), path
    assert len(paths) == page.loaded, paths[page.loaded:]  # every check and the class after loading: offline
    requests = site_requests(page.log, "http://127.0.0.1")
    assert any(url.endswith("/pyodide.asm.wasm") for url in requests)  # the worker's requests are seen
    assert [url for url in requests if not url.startswith(page.served.url)] == []


def test_opened_as_a_file_the_page_says_how_to_serve_it(site, tmp_path):
    browser = Driven(tmp_path / "chromium")
    try:
        browser.open(site / "index.html")
        shown = wait(browser, "return document.getElementById('status').classList.contains('problem') && "
                              "document.getElementById('status').textContent")
    finally:
        assert browser.quit() == []
    assert shown.startswith("A browser runs Python only for a page served over http(s), not opened as a file. "
                            f"Serve this folder (python3 -m http.server -d {site.name}) and open http://localhost:8000/")


# ---------------------------------------------------------------------------------------- without a browser

def test_the_wheels_alone_judge_a_sheet(sheets, tmp_path):
    """verify and grade run on the standard library and the page's wheels only (no site-packages: no pandas,
    matplotlib or formualizer), as in the browser; judging needs no XlsxWriter (the highlighted copy does)."""
    for wheel in wheels.wheels():
        (tmp_path / wheel.name).write_bytes(wheel.data)
    (xlsxwriter,) = tmp_path.glob("xlsxwriter-*.whl")
    script = ("import sys; sys.path[:0] = sys.argv[3:]\n"
              "from sheetprop.verify import verify\n"
              "assert verify(sys.argv[1]).findings and 'xlsxwriter' not in sys.modules\n"
              "sys.path.insert(0, sys.argv[2])\n"
              "from sheetprop.checkpage import inbrowser\n"
              "print(inbrowser.check(sys.argv[1]))\n"
              "assert not {'pandas', 'matplotlib', 'formualizer', 'numpy'} & set(sys.modules), sorted(sys.modules)")
    path = shutil.copy(sheets["slip"], tmp_path / "slip.xlsx")
    others = sorted(set(tmp_path.glob("*.whl")) - {xlsxwriter})
    ran = subprocess.run([sys.executable, "-S", "-E", "-c", script, str(path), str(xlsxwriter), *map(str, others)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert ran.returncode == 0, ran.stderr[-3000:]
    answer = json.loads(ran.stdout)
    expected = command_line("verify", "slip.xlsx", "--json", cwd=tmp_path)
    assert json.loads(answer["json"]) == json.loads(expected.stdout) and answer["status"] == 1


def test_a_file_the_browser_would_hold_whole_is_refused_before_it_is_copied():
    from sheetprop.files.guard import MAX_BYTES

    assert inbrowser.refusal("class.xlsx", MAX_BYTES) is None
    refused = json.loads(inbrowser.refusal("class.xlsx", MAX_BYTES + 1))
    assert refused["status"] == 2 and refused["error"].endswith("the page reads: run sheetprop verify on it")
    assert "not a spreadsheet the page can read" in json.loads(inbrowser.refusal("notes.docx", 10))["error"]


def test_a_folder_without_sheets_is_said_so(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "notes.txt").write_text("no sheet here")
    answer = json.loads(inbrowser.grade(tmp_path / "class", tmp_path / "out"))
    from sheetprop.files import READABLE

    assert set(answer) == {"error"} and answer["error"].endswith(": give the submitted sheets")
    assert all(suffix in answer["error"] for suffix in READABLE)  # every kind a class may hand in is named
    assert not (tmp_path / "out").exists()


def test_the_highlighted_copy_is_the_command_lines(sheets, tmp_path):
    path = shutil.copy(sheets["google"], tmp_path / "google.xlsx")
    answer = json.loads(inbrowser.check(path))
    ran = command_line("verify", "google.xlsx", "--annotate", "cli.xlsx", cwd=tmp_path)
    assert ran.returncode == 1, ran.stderr
    with zipfile.ZipFile(answer["annotated"]) as page_copy, zipfile.ZipFile(tmp_path / "cli.xlsx") as cli_copy:
        assert page_copy.namelist() == cli_copy.namelist()
        for name in cli_copy.namelist():
            assert page_copy.read(name) == cli_copy.read(name), name
    marked = openpyxl.load_workbook(answer["annotated"])["target"]
    assert marked[SHEETS["target"].cell("dw5", 2)].comment.text.startswith("sheetprop verify: ∂E/∂w5 is wrong here")


def test_a_sheet_against_its_assignment(sheets, assignment, tmp_path):
    """grade's verdict on a student's sheet, beside verify's report: correct against the assignment it answers
    whole; incomplete against the lecture's six rates of 201 iterations, saying what is missing; wrong against
    other targets, naming them."""
    path = shutil.copy(sheets["correct"], tmp_path / "correct.xlsx")
    whole = json.loads(inbrowser.check(path, assignment))["assignment"]
    assert whole == {"status": "correct", "score": "1", "values": [], "notes": ""}
    lecture = json.loads(inbrowser.check(path))["assignment"]
    assert lecture["status"] == "incomplete" and float(lecture["score"]) < 0.2 and lecture["notes"], lecture
    other = json.loads(inbrowser.check(path, ROOT / "examples" / "targets-half.toml"))["assignment"]
    assert other["status"] == "wrong" and any(v.startswith("t1 = 0.01, assigned 0.5") for v in other["values"]), other


def test_the_page_is_written_whole_and_the_same_each_time(tmp_path):
    first = write_check_page(tmp_path / "a")
    second = write_check_page(tmp_path / "b", ROOT / "examples" / "blog.toml")
    names = {path.name for path in first}
    assert {"index.html", "worker.js", "check.js", "check.css", *runtime.FILES} <= names
    assert {p.name for p in second} == names | {"assignment.toml"}
    again = write_check_page(tmp_path / "a")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in first]
    html = (tmp_path / "b" / "index.html").read_text(encoding="utf-8")
    assert "blog" in html.lower() and "0.35" in html
    # Each file names the next with its hash: a cache never serves an old one beside a new one.
    for where, named in [("index.html", "check.js"), ("index.html", "check.css"), ("check.js", "worker.js"),
                         ("worker.js", "pyodide.mjs")]:
        version = hashlib.sha256((tmp_path / "b" / named).read_bytes()).hexdigest()[:12]
        assert f'{named}?v={version}"' in (tmp_path / "b" / where).read_text(encoding="utf-8"), (where, named)
    third = write_check_page(tmp_path / "b")  # the default again: the blog's assignment goes
    assert not (tmp_path / "b" / "assignment.toml").exists() and {p.name for p in third} == names


def test_the_command(tmp_path):
    ran = command_line("check-page", "examples/blog.toml", "--out", tmp_path / "check", cwd=ROOT)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith(f"{configs.load(ROOT / 'examples' / 'blog.toml').heading}: wrote the check page into ")
    assert (tmp_path / "check" / "assignment.toml").read_bytes() == (ROOT / "examples" / "blog.toml").read_bytes()
    (tmp_path / "file").write_text("")
    ran = command_line("check-page", "--out", tmp_path / "file", cwd=ROOT)
    assert ran.returncode == 2 and "is a file, not a folder" in ran.stderr
    assert "check-page" in command_line("--help", cwd=ROOT).stdout


def test_pyodide_is_the_pinned_package_or_nothing(tmp_path, monkeypatch):
    fake = tmp_path / f"pyodide-{runtime.VERSION}.tgz"
    fake.write_bytes(b"not the package")
    with pytest.raises(runtime.RuntimeMissing, match="is not the npm registry's pyodide@"):
        runtime.package(fake)
    monkeypatch.setenv("SHEETPROP_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    with pytest.raises(runtime.RuntimeMissing, match="install npm .* or fetch it elsewhere .* --pyodide"):
        runtime.package()
    ran = command_line("check-page", "--out", tmp_path / "page", "--pyodide", fake, cwd=tmp_path)
    assert ran.returncode == 1 and "is not the npm registry's pyodide@" in ran.stderr
    assert not (tmp_path / "page").exists() or not any((tmp_path / "page").iterdir())
