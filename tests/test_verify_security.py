"""sheetprop verify on files made to attack the machine it runs on, each made here.

LibreOffice, when verify needs it, must never reach a network (a local HTTP server must receive no
request), must stay within its memory and time, and a file that claims far more than its bytes show
(repeat counts, string lengths) is refused before anything builds it. Memory is measured in the child.
"""

from __future__ import annotations

import http.server
import io
import json
import re
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.drawing.image import Image
from PIL import Image as Picture

import handmade
from sheetprop import libreoffice
from sheetprop.verify import VerifyError, verify
from test_verify_hostile import SECONDS, judged, refused, sheetprop
from xlsx_patch import patch_cell

MB = 1024 * 1024


@pytest.fixture
def server():
    """A local HTTP server on 127.0.0.1 that records every request it receives."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A correct hand-made sheet with formulas and no cached values (as openpyxl saves it), and the
    same as LibreOffice's .ods and flat .fods."""
    folder = tmp_path_factory.mktemp("made")
    formulas = folder / "formulas.xlsx"
    handmade.write_workbook(formulas, [handmade.SHEETS[0]])
    recalculated = libreoffice.recalculate(formulas, folder / "lo")
    ods = libreoffice.convert(recalculated, folder / "ods", "ods")
    fods = libreoffice.convert(recalculated, folder / "fods", "fods")
    return {"formulas": formulas, "ods": ods, "fods": fods}


def rezipped(source: Path, target: Path, edit) -> Path:
    """A copy of the zip ``source`` with each member's bytes passed through ``edit(name, data)`` (None drops it)."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in archive.infolist():
            data = edit(item.filename, archive.read(item))
            if data is not None:
                out.writestr(item, data)
    return target


def linked_picture_xlsx(made, target: Path, url: str) -> Path:
    """The sheet with formulas and no cached values, and a picture linked (r:link) to ``url``: an
    external relationship, as Excel writes for Insert → Picture → Link to File."""
    workbook = openpyxl.load_workbook(made["formulas"])
    png = io.BytesIO()
    Picture.new("RGB", (4, 4)).save(png, "PNG")
    workbook.active.add_image(Image(png), "AJ2")
    embedded = target.with_name("embedded.xlsx")
    workbook.save(embedded)

    def edit(name, data):
        if name.startswith("xl/media/"):
            return None
        if name.startswith("xl/drawings/_rels/"):
            return re.sub(rb'Target="[^"]*"', f'Target="{url}" TargetMode="External"'.encode(), data)
        if name.startswith("xl/drawings/drawing"):
            return data.replace(b"r:embed=", b"r:link=")
        return data
    return rezipped(embedded, target, edit)


LINKED_IMAGE = ('<draw:frame draw:z-index="0" svg:width="1cm" svg:height="1cm" svg:x="0cm" svg:y="0cm">'
                '<draw:image xlink:href="{url}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/>'
                '</draw:frame>')


def in_first_cell(xml: bytes, markup: str) -> bytes:
    """``markup`` placed inside the first cell of the first table (as a picture anchored to it)."""
    return re.sub(rb"(<table:table-cell\b[^>]*?)(/?)>", lambda m: m.group(1) + b">" + markup.encode()
                  + (b"</table:table-cell>" if m.group(2) else b""), xml, count=1)


def soffice_without_namespace(path: Path, out: Path) -> None:
    """LibreOffice run as verify runs it (the same profile) but directly, network and all: the control
    that shows a file does make it fetch."""
    profile = out / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(libreoffice._PROFILE, encoding="utf-8")
    subprocess.run([libreoffice.soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(path)], capture_output=True, timeout=120)


# ---------------------------------------------------------------------------------------- no network

def test_the_sandbox_here_has_no_network():
    """What this machine offers: a network namespace (unshare --net as root, --map-root-user --net
    otherwise) in which even 127.0.0.1 cannot be reached."""
    prefix = libreoffice.sandbox()
    assert prefix in libreoffice.SANDBOXES
    probe = subprocess.run([*prefix, "python3", "-c", "import socket; socket.create_connection(('127.0.0.1', 9), 2)"],
                           capture_output=True, text=True, timeout=30)
    assert probe.returncode != 0 and "Network is unreachable" in probe.stderr, probe.stderr


def test_linked_picture_in_an_xlsx_without_cached_values(made, server, tmp_path):
    url, requests = server
    path = linked_picture_xlsx(made, tmp_path / "linked.xlsx", f"{url}/xlsx-picture.png")
    soffice_without_namespace(path, tmp_path / "control")
    assert requests, "the control: LibreOffice with a network fetches the linked picture"
    requests.clear()
    message, _ = refused(path, tmp_path)
    assert message == (f"linked.xlsx links its image to '{url}/xlsx-picture.png' outside the file rather than holding "
                       "it, which LibreOffice would fetch: embed it (insert it, not as a link) or delete it, save and "
                       "verify that")
    # Past the guard, LibreOffice itself runs without a network: the same file recalculated as verify does.
    libreoffice.recalculate(path, tmp_path / "lo", untrusted=True)
    assert requests == []


def test_linked_picture_in_an_ods(made, server, tmp_path):
    url, requests = server
    path = rezipped(made["ods"], tmp_path / "linked.ods", lambda name, data: in_first_cell(
        data, LINKED_IMAGE.format(url=f"{url}/ods-picture.png")) if name == "content.xml" else data)
    soffice_without_namespace(path, tmp_path / "control")
    assert requests, "the control: LibreOffice with a network fetches the linked picture"
    requests.clear()
    message, _ = refused(path, tmp_path)
    assert message == (f"linked.ods shows a picture or object linked from '{url}/ods-picture.png' rather than held in "
                       "the file, which LibreOffice would fetch: embed it (insert it, not as a link) or delete it, "
                       "save and verify that")
    libreoffice.convert(path, tmp_path / "lo", untrusted=True)
    assert requests == []


@pytest.mark.parametrize("what", ["webservice", "table source", "external reference", "dde"])
def test_links_that_pass_the_guard_reach_no_network(made, server, tmp_path, what):
    """WEBSERVICE, a sheet linked to a URL, a reference into a workbook at a URL, a DDE link: verify
    judges the sheet, and the server hears nothing while LibreOffice loads and recalculates it. The
    control: LibreOffice 7.4 with verify's profile and a network does not fetch these either (it
    leaves links and link formulas alone until a user allows them), so the namespace is a second wall."""
    url, requests = server
    markup = {
        "webservice": f'<table:table-cell table:formula="of:=WEBSERVICE(&quot;{url}/webservice&quot;)" '
                      'office:value-type="string" office:string-value=""><text:p/></table:table-cell>',
        "table source": f'<table:table-source xlink:type="simple" xlink:href="{url}/table-source.ods" '
                        'table:mode="copy-results-only" table:table-name="Sheet1"/>',
        "external reference": f"<table:table-cell table:formula=\"of:=['{url}/book.ods'#$Sheet1.A1]\" "
                              'office:value-type="float" office:value="0"><text:p>0</text:p></table:table-cell>',
        "dde": '<table:table-cell table:formula="of:=DDE(&quot;soffice&quot;;&quot;'
               f'{url}/dde.ods&quot;;&quot;A1&quot;)" office:value-type="float" office:value="0"><text:p>0</text:p>'
               '</table:table-cell>',
    }[what]

    def edit(name, data):
        if name != "content.xml":
            return data
        if what == "table source":  # a table source opens the table
            return re.sub(rb"(<table:table [^>]*>)", lambda m: m.group(1) + markup.encode(), data, count=1)
        # a row of its own below the table, in place of one of the empty rows that end the sheet
        row = f'<table:table-row><table:table-cell table:number-columns-repeated="40"/>{markup}</table:table-row>'
        return re.sub(rb'(<table:table-row[^>]*number-rows-repeated=")(\d+)', lambda m: row.encode() + m.group(1)
                      + str(int(m.group(2)) - 1).encode(), data, count=1)
    path = rezipped(made["ods"], tmp_path / "links.ods", edit)
    assert markup.encode() in zipfile.ZipFile(path).read("content.xml")
    soffice_without_namespace(path, tmp_path / "control")
    assert requests == []
    run = judged(path, tmp_path)
    assert "all 240 cells agree" in run.stdout, run.stdout
    assert requests == []


def test_without_a_network_namespace_libreoffice_is_not_run(made, tmp_path, monkeypatch):
    monkeypatch.setattr(libreoffice, "sandbox", lambda: None)
    with pytest.raises(VerifyError) as caught:
        verify(made["ods"])
    assert str(caught.value) == (
        f"LibreOffice would be needed to read {made['ods'].name}, and sheetprop runs it on a file from someone else "
        "only without network access, which needs 'unshare --net' (util-linux) and network namespaces, missing "
        "here: save the sheet as .xlsx with its values (as your spreadsheet program saves it) and verify that")


# ---------------------------------------------------------------------------------------- memory and time

BILLION = ('<table:table-row table:number-rows-repeated="65536"><table:table-cell table:number-columns-repeated='
           '"16384" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>')
REFUSED_CELLS = ("claims over 1,000,000 cells with content (a row or a cell repeated, or a formula spread, that many "
                 "times), where a sheet of the exercise has some tens of thousands: copy the exercise's table into a "
                 "new workbook and verify that")


def test_a_billion_cells_claimed_in_an_ods(made, tmp_path):
    """22 KB that LibreOffice would grow past 3 GB building: refused at once, from the repeat counts."""
    path = rezipped(made["ods"], tmp_path / "billion.ods", lambda name, data: data.replace(
        b"</table:table>", BILLION.encode() + b"</table:table>", 1) if name == "content.xml" else data)
    assert path.stat().st_size < 64 * 1024
    message, run = refused(path, tmp_path)
    assert message == f"billion.ods {REFUSED_CELLS}"
    assert run.seconds < 10 and run.peak_mb is not None and run.peak_mb < 250, (run.seconds, run.peak_mb)


def test_a_billion_cells_claimed_in_a_flat_fods(made, tmp_path):
    path = tmp_path / "billion.fods"
    path.write_bytes(made["fods"].read_bytes().replace(b"</table:table>", BILLION.encode() + b"</table:table>", 1))
    message, run = refused(path, tmp_path)
    assert message == f"billion.fods {REFUSED_CELLS}"
    assert run.seconds < 10 and run.peak_mb is not None and run.peak_mb < 250, (run.seconds, run.peak_mb)


def test_repeated_empty_rows_are_not_claims(made):
    """LibreOffice itself ends each sheet with a million empty rows repeated: those are judged as usual."""
    content = zipfile.ZipFile(made["ods"]).read("content.xml")
    assert re.search(rb'number-rows-repeated="10\d{5}"', content)
    assert verify(made["ods"]).status == 0


def test_an_array_formula_over_a_whole_sheet(made, tmp_path):
    """One <f t="array" ref="A1:XFD1048576"> claims 17 billion cells: refused from its range."""
    source = libreoffice.recalculate(made["formulas"], tmp_path / "lo")
    path = rezipped(source, tmp_path / "array.xlsx", lambda name, data: re.sub(
        rb"<f[^>]*>([^<]*)</f>", rb'<f t="array" ref="A1:XFD1048576">\1</f>', data, count=1)
        if name == "xl/worksheets/sheet1.xml" else data)
    message, _ = refused(path, tmp_path)
    assert message == f"array.xlsx {REFUSED_CELLS}".replace("1,000,000 cells with content", "16,777,216 cells with "
                                                            "content in one sheet")


def giant_string_xlsx(made, tmp_path: Path, characters: int) -> Path:
    """The correct sheet (values cached by LibreOffice) with its first a_h1 value (L8) a shared string
    of ``characters``, streamed into the shared strings so that it never sits in memory whole."""
    source = libreoffice.recalculate(made["formulas"], tmp_path / "lo")
    strings = zipfile.ZipFile(source).read("xl/sharedStrings.xml")
    index = strings.count(b"<si>")
    patched = tmp_path / "patched.xlsx"
    patch_cell(source, patched, "correct", "L8", lambda xml: f'<c r="L8" t="s"><v>{index}</v></c>')
    path = tmp_path / f"string-{characters}.xlsx"
    with zipfile.ZipFile(patched) as archive, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in archive.infolist():
            if item.filename != "xl/sharedStrings.xml":
                out.writestr(item, archive.read(item))
                continue
            head, tail = strings.rsplit(b"</sst>", 1)
            with out.open(item.filename, "w", force_zip64=True) as stream:
                stream.write(re.sub(rb'(count|uniqueCount)="\d+"', b"", head) + b"<si><t>")
                for start in range(0, characters, MB):
                    stream.write(b"x" * min(MB, characters - start))
                stream.write(b"</t></si></sst>" + tail)
    return path


def test_a_giant_shared_string_in_a_judged_cell(made, tmp_path):
    """150 MB of text in one cell (a few hundred KB zipped): refused from its length, quickly, and
    --json prints nothing to stdout."""
    path = giant_string_xlsx(made, tmp_path, 150 * MB)
    assert path.stat().st_size < 2 * MB
    message, run = refused(path, tmp_path)
    assert message == (f"{path.name} holds a text of over 65,536 characters in one cell or string, where a spreadsheet "
                       "cell holds at most 32,767: copy the exercise's table into a new workbook and verify that")
    run = sheetprop("verify", path, "--json", tmp=tmp_path)
    # --json still prints its one object (status 2, the error), bounded like the message
    assert run.returncode == 2 and len(run.stderr) < 1000 and len(run.stdout) < 2000
    assert json.loads(run.stdout)["status"] == 2
    assert run.seconds < SECONDS and run.peak_mb is not None and run.peak_mb < 1000, (run.seconds, run.peak_mb)


def test_a_long_text_in_a_judged_cell_is_quoted_in_part(made, tmp_path):
    """32,767 characters (a cell's most) where a number belongs: judged, and the reports quote 200 of them."""
    path = giant_string_xlsx(made, tmp_path, 32_767)
    run = judged(path, tmp_path, "--json")
    assert len(run.stdout) < 20_000, len(run.stdout)
    finding = next(f for f in json.loads(run.stdout)["findings"] if f["cell"] == "L8")
    assert finding["found"] == "x" * 200 + "… (32,767 characters)"
    text = judged(path, tmp_path)
    assert len(text.stdout) < 10_000 and "x" * 201 not in text.stdout


def test_libreoffice_is_stopped_when_its_time_is_up(made, tmp_path, monkeypatch):
    monkeypatch.setattr(libreoffice, "UNTRUSTED_SECONDS", 0.3)
    start = time.monotonic()
    with pytest.raises(libreoffice.Exhausted, match="LibreOffice took over 0 s converting"):
        libreoffice.convert(made["ods"], tmp_path / "lo", untrusted=True)
    assert time.monotonic() - start < 10
    assert not (tmp_path / "lo" / f"{made['ods'].stem}.xlsx").exists()


def test_libreoffice_runs_within_its_memory_cap(made, tmp_path, monkeypatch):
    """The cap is on LibreOffice's address space: too small a cap and it cannot even start."""
    monkeypatch.setattr(libreoffice, "UNTRUSTED_MEMORY", 64 * MB)
    with pytest.raises(libreoffice.LibreOfficeError):
        libreoffice.convert(made["ods"], tmp_path / "small", untrusted=True)
    monkeypatch.undo()
    assert libreoffice.convert(made["ods"], tmp_path / "usual", untrusted=True).exists()  # 2 GB: ample


# ---------------------------------------------------------------------------------------- entities

def test_a_document_type_declaration_is_refused(made, tmp_path):
    """An external entity (XXE) naming a local file, in the shared strings: refused before any parser
    could expand it."""
    source = libreoffice.recalculate(made["formulas"], tmp_path / "lo")
    doctype = b'<?xml version="1.0"?>\n<!DOCTYPE sst [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'

    def edit(name, data):
        if name == "xl/sharedStrings.xml":
            return doctype + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data).replace(b"<t>", b"<t>&secret;", 1)
        return data
    path = rezipped(source, tmp_path / "entity.xlsx", edit)
    message, _ = refused(path, tmp_path)
    assert message == ("entity.xlsx holds a document type declaration, which no spreadsheet program writes (entities "
                       "a parser would expand, or fetch from elsewhere): open it in your spreadsheet program, save it "
                       "as .xlsx and verify that")
