"""``sheetprop check-page``: a static folder where a student checks a sheet, and a teacher grades a class,
in the browser, with nothing installed and nothing uploaded.

The page runs sheetprop's own verify and grade in a Web Worker through Pyodide (CPython compiled to
WebAssembly); no judging rule is written in JavaScript. Everything it loads is in the folder: Pyodide's
runtime from the npm registry's ``pyodide`` package at a pinned version, and the wheels of sheetprop and of
the libraries judging imports. Its Content-Security-Policy allows this folder only.

    runtime.py    Pyodide: the pinned npm package, fetched once into a cache, checked, the files the page loads
    wheels.py     the wheels: sheetprop as installed here, and the pure-Python libraries judging needs
    inbrowser.py  what the worker calls in Python: verify and grade on files in the browser's memory
    index.html, check.js (the page's plumbing), worker.js (the worker's), check.css
"""

from __future__ import annotations

import hashlib
import json
from html import escape
from importlib import resources
from pathlib import Path
from string import Template

from sheetprop import palette
from sheetprop.files import OOXML, READABLE
from sheetprop.checkpage import runtime, wheels as wheel_files

# The page's own files and Pyodide's from this folder; WebAssembly compiled ('wasm-unsafe-eval'); no other
# host, no inline script. Downloads are blob: URLs made by the page.
POLICY = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; "
          "style-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'")
ASSETS = ("check.js", "worker.js", "check.css")
ASSIGNMENT = "assignment.toml"


def asset_bytes(name: str) -> bytes:
    """One of the page's own files as the folder holds it: a style sheet after the palette's colours, which it
    names (``var(--ink)``)."""
    data = (resources.files(__package__) / name).read_bytes()
    return palette.css_variables().encode() + data if name.endswith(".css") else data


def write_check_page(out, config_path=None, pyodide=None) -> list[Path]:
    """Write the page into folder ``out`` for the assignment at ``config_path`` (None: the lecture example),
    with Pyodide from ``pyodide`` (a pyodide-VERSION.tgz) or the cache. Every file is written or none;
    returns the files written."""
    from sheetprop import __version__
    from sheetprop import config as configs
    from sheetprop.outputs import locked, staging

    config = configs.load(config_path) if config_path else configs.default()
    python = runtime.load(pyodide)
    built = wheel_files.wheels()
    files: dict[str, bytes] = {name: data for name, data in python.files.items()}
    files.update({wheel.name: wheel.data for wheel in built})
    files["PYODIDE-LICENSE.txt"] = (f"pyodide.mjs, pyodide.asm.mjs, pyodide.asm.wasm and python_stdlib.zip are "
                                    f"Pyodide {python.version} (the npm registry's pyodide package), under the "
                                    f"Mozilla Public License 2.0; source: {runtime.SOURCE}\n").encode()
    if config_path:
        files[ASSIGNMENT] = Path(config_path).read_bytes()
    for asset in ASSETS:
        files[asset] = asset_bytes(asset)
    # Each script names the next by its content's hash, so a browser's cache never mixes two versions.
    for script, named in (("worker.js", "pyodide.mjs"), ("check.js", "worker.js")):
        files[script] = files[script].replace(f'"./{named}"'.encode(), f'"./{_versioned(named, files[named])}"'.encode())
    setup = {
        "pyodide": {"version": python.version, "lock_info": python.lock_info},
        "wheels": [_versioned(wheel.name, wheel.data) for wheel in built],
        "assignment": _versioned(ASSIGNMENT, files[ASSIGNMENT]) if config_path else None,
        "bytes": sum(len(files[name]) for name in ("pyodide.asm.wasm", "python_stdlib.zip"))
                 + sum(len(wheel.data) for wheel in built),
        "folder": Path(out).name or str(out),
    }
    page = Template((resources.files(__package__) / "index.html").read_text(encoding="utf-8")).substitute(
        policy=POLICY, title=escape(config.heading), version=escape(__version__), pyodide=escape(python.version),
        reads=escape(", ".join(OOXML[:-1]) + " or " + OOXML[-1]), accept=",".join(READABLE),  # the others: refused, said why
        assignment=assignment_html(config), setup=json.dumps(setup).replace("<", "\\u003c"))
    for asset in ASSETS:  # a changed script or style is fetched afresh, not taken from a cache
        page = page.replace(f'"{asset}"', f'"{_versioned(asset, files[asset])}"')
    files["index.html"] = page.encode()

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out: {out} is a file, not a folder; give a folder to write the page into")
    out.mkdir(parents=True, exist_ok=True)
    with locked(out):
        with staging(out) as folder:
            for name, data in files.items():
                (folder / name).write_bytes(data)
        for stale in [*out.glob("*-py3-none-any.whl"), out / ASSIGNMENT]:  # of a page written before
            if stale.name not in files and stale.is_file():
                stale.unlink()
    return sorted(out / name for name in files)


def _versioned(name: str, data: bytes) -> str:
    """``name?v=…`` with the content's hash: a browser's cache never serves an older copy of a changed file."""
    return f"{name}?v={hashlib.sha256(data).hexdigest()[:12]}"


def assignment_html(config) -> str:
    """The assignment as the page shows it: the network, the rates and every given value."""
    from sheetprop.functions import LOSSES
    from sheetprop.graph import loss_words

    net = config.network
    biases = "none" if net.biases == "none" else f"per {net.biases}" + (", trained" if net.train_biases else "")
    rows = [("network", "-".join(map(str, net.layers)) + f" ({', '.join(dict.fromkeys(net.activations))})"),
            ("loss", loss_words(LOSSES[net.loss])), ("biases", biases),
            ("optimizer", ", ".join(config.optimizers)),
            ("learning rates η", ", ".join(f"{rate:g}" for rate in config.learning_rates)),
            ("iterations", f"{config.iterations}")]
    given = "".join(f"<div><dt>{escape(name)}</dt><dd>{value:.15g}</dd></div>" for name, value in config.values.items())
    about = "".join(f"<tr><th scope=row>{escape(key)}</th><td>{escape(text)}</td></tr>" for key, text in rows)
    return (f"<table class=about><tbody>{about}</tbody></table>\n"
            f"<p>The values given (inputs, targets, starting weights):</p>\n<dl class=given>{given}</dl>")
