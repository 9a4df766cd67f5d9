"""The living walkthrough: the script that lets the page recompute the whole example when a number is edited.

The recomputing code is generated here from the graph's own quantity definitions (the ``js`` dialect,
the optimizers' update rules as the graph records them), exactly as the engine compiles the ``python``
dialect; ``page.js`` beside this file only reads fields and the URL fragment, runs those functions and
writes the numbers into the page. The script goes inline, allowed by its hash in the page's
Content-Security-Policy, so the page stays one file that loads nothing.

>>> from sheetprop.config import default
>>> from sheetprop.graph import build_graph
>>> config = default()
>>> source = engine_source(build_graph(config.network))
>>> later = source.split("const next")[1].splitlines()
>>> [line.strip() for line in later if line.startswith(("    v[9] =", "    v[13] ="))]  # w5 ← w5 − η·∂E/∂w5; o1
['v[9] = p[9] - P[0]*p[40];', 'v[13] = v[5]*v[1] + v[6]*v[2];']
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sheetprop import legend, palette
from sheetprop.compare import BEST, JUDGED, NAMED, PICKED, RUN, SHEET_NAME, SHOWN, names_optimizers
from sheetprop.config import MAX_RUNS, Config, target_rules
from sheetprop.dialects import function_source, javascript_runtime, math_element, numbers_source
from sheetprop.engine import row_source
from sheetprop.graph import BIAS, INPUT, TARGET, TOTAL, WEIGHT, Graph, build_graph
from sheetprop.parameters import LEARNING_RATE, PARAMETERS
from sheetprop.runs import SPREAD, SPREADS
from sheetprop.walkthrough.blocks import IN_NUMBERS, LIVE_WORDS
from sheetprop.walkthrough.diagram import figure_digits
from sheetprop.walkthrough.reading import BEST_MARK, CHECKPOINTS, FIELDS, GROUPS, SENTENCES, WORDS

PAGE_SCRIPT = Path(__file__).with_name("page.js")
# The page accepts at most this many iterations from a field or a link: past it an edit would keep the
# browser busy for many seconds (the workbook and the engine take any count the spreadsheet holds).
MAX_ITERATIONS = 100_000
CHUNK = 400  # quantities per generated function
WRITE_LIMIT = 16  # the update table lists the trained parameters up to this many (as document.py does)


def engine_source(graph: Graph) -> str:
    """JavaScript for one graph, an object: ``first(P, v)`` fills iteration 1's row, ``next(P, p, v)`` the
    row after ``p``.

    The engine's walk (``engine.row_source``) in the js dialect. Rows are cut into functions of CHUNK
    quantities: V8 leaves a function of tens of thousands of lines unoptimised.
    """
    def parts(first: bool) -> str:
        lines = [f"v[{slot}] = {text};" for slot, text in enumerate(row_source(graph, "js", first, "v[{}]".format))]
        chunks = ["(P, p, v) => {\n    " + "\n    ".join(lines[at:at + CHUNK]) + "\n  }"
                  for at in range(0, len(lines), CHUNK)]
        return "[\n  " + ",\n  ".join(chunks) + "\n]"

    return (f"(() => {{\nconst first = {parts(True)};\nconst next = {parts(False)};\n"
            "return {first(P, v) { for (const part of first) part(P, null, v); return v; },\n"
            "        next(P, p, v) { for (const part of next) part(P, p, v); return v; }};\n})()")


@dataclass(frozen=True)
class LivePage:
    """What the HTML writer needs for a living page: the inline script, its CSP hash, and the row slot
    of every quantity (so that a number in the page can name the value it shows)."""

    script: str
    slots: dict

    @property
    def policy(self) -> str:
        """The page's Content-Security-Policy: its own styles, data: images, and this one script."""
        digest = base64.b64encode(hashlib.sha256(self.script.encode("utf-8")).digest()).decode("ascii")
        return f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'"


def live_page(config: Config, graph: Graph, digits: int, chart: bool) -> LivePage:
    """The script of ``config``'s walkthrough page (``graph`` is its first optimizer's); ``chart``: the
    page shows the build's PNG chart, which stands for the config's own values."""
    graphs = {graph.network.optimizer: graph}
    for optimizer in config.optimizers:
        graphs.setdefault(optimizer, build_graph(config.network_for(optimizer)))
    # The parameter records every run reads, the learning rate aside (it has fields of its own).
    hyper = list(dict.fromkeys(name for g in graphs.values() for name in g.settings if name != LEARNING_RATE.name))
    values = {**config.values_for(config.optimizers[0])}
    for optimizer in config.optimizers:
        values = {**config.values_for(optimizer), **values}
    kinds = {INPUT: "input", TARGET: "target", WEIGHT: "weight", BIAS: "bias"}
    fields = [{"name": q.name, "kind": kinds[q.role], "value": values[q.name]}
              for q in graph.of_role(INPUT, TARGET, WEIGHT, BIAS)]
    fields += [{"name": h, "kind": "hyper", "value": values[h], "words": PARAMETERS[h].words_on_page,
                "rangeText": PARAMETERS[h].range_text} for h in hyper]
    trained = [q for q in graph.quantities if q.param and q.role in (WEIGHT, BIAS) and q.first is not None]
    rows = [q.name for q in trained] if len(trained) <= WRITE_LIMIT else []
    spec = {
        "digits": digits,
        "figureDigits": figure_digits(digits),
        "lr": config.shown_rate,
        "rates": list(config.learning_rates),
        "rateRange": LEARNING_RATE.range_text,
        "iterations": config.iterations,
        "maxIterations": MAX_ITERATIONS,
        "threshold": config.threshold,
        "optimizers": list(config.optimizers),
        "named": any(o != "sgd" for o in config.optimizers),
        "png": chart,  # the build's PNG stands for the config's own values
        "fields": fields,
        "total": graph.index[TOTAL],
        "afterRows": [{"slot": graph.index[n], "markup": math_element(legend.mathml(n))} for n in [*rows, TOTAL]],
        "graphs": {o: {"params": g.params, "size": len(g.quantities), "total": g.index[TOTAL]}
                   for o, g in graphs.items()},
        "maxRuns": MAX_RUNS,
        "targets": _target_rules(config, graph),
        "reading": {"groups": GROUPS, "sentences": SENTENCES, "fields": FIELDS, "bestMark": BEST_MARK,
                    "checkpoints": CHECKPOINTS},
        "words": WORDS,
        "inNumbers": IN_NUMBERS,
        "liveWords": LIVE_WORDS,
        "palette": palette.for_page(),
        "chart": _chart(config),
    }
    engines = ",\n".join(f"{json.dumps(o)}: {engine_source(g)}" for o, g in graphs.items())
    data = json.dumps(spec, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    script = (f'"use strict";\n// Generated by sheetprop from the quantity definitions; see sheetprop/walkthrough/live.py.\n'
              f"{javascript_runtime()}\nconst SPEC = {data};\nconst ENGINES = {{\n{engines}\n}};\n"
              f"{comparison_source()}\n{numbers_source()}\n{ranges_source([LEARNING_RATE.name, *hyper])}\n"
              + PAGE_SCRIPT.read_text(encoding="utf-8"))
    return LivePage(script, dict(graph.index))


def _chart(config: Config) -> dict:
    """What the page's chart draws as the build's PNG does (``plots``): its texts, the PNG's layout in
    fractions of its size, and its font sizes in its pixels."""
    from sheetprop import plots

    named = names_optimizers(config.cases)
    width, height = (round(inches * plots.DPI) for inches in plots.SIZE)
    return {"title": plots.chart_title(config.heading, named, config.threshold),
            "legendTitle": plots.legend_title(named), "maxLegend": plots.MAX_LEGEND, "words": plots.WORDS,
            "drawnUpTo": plots.DRAWN_UP_TO,
            "width": width, "height": height, "layout": {**plots.LAYOUT, "gap": plots.LEGEND_GAP},
            "font": round(plots.FONT_POINTS * plots.DPI / 72, 1), "titleScale": 1.2, "legendScale": 0.833,
            "markerSize": round(plots.MARKER_POINTS * plots.DPI / 72, 1)}


def comparison_source() -> str:
    """``COMPARISON``: the comparison's definitions (``compare.RUN``, ``SHOWN``, ``BEST``, a run's name
    ``SHEET_NAME``) and what E_total a row shows (``runs.SPREAD``) in the js dialect, as the summary and the
    runs compile them in the python dialect."""
    parts = {"run": (RUN, JUDGED), "shown": (SHOWN, ("final", "reached")), "best": ({"best": BEST}, PICKED),
             "sheetName": (SHEET_NAME, NAMED, "name"), "spread": (SPREAD, SPREADS)}
    functions = ",\n".join(f"{key}: {function_source(key, definitions, arguments, 'js', *result)}"
                           for key, (definitions, arguments, *result) in parts.items())
    return f"const COMPARISON = {{\n{functions}\n}};"


def _target_rules(config: Config, graph: Graph) -> list[dict]:
    """The config's rules for the targets (``config.target_rules``), with each example's target fields."""
    examples: dict = {}
    for q in graph.of_role(TARGET):
        examples.setdefault(q.example, []).append(q.name)
    return [{"who": who, "range": [rule.low, rule.high], "total": rule.total, "examples": list(examples.values())}
            for who, _, rule, _ in target_rules(config.network.loss, config.network.activations[-1])]


def ranges_source(names: list[str]) -> str:
    """``RANGES``: for each parameter named, whether a value is in its range (``Parameter.allowed``, the config's
    check) in the js dialect."""
    functions = ",\n".join(
        f"{json.dumps(name)}: {function_source('allowed', {'allowed': PARAMETERS[name].allowed}, ('value',), 'js', 'allowed')}"
        for name in names)
    return f"const RANGES = {{\n{functions}\n}};"
