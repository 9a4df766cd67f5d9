// The living walkthrough: its fields, its link, and the numbers it rewrites after an edit.
// Nothing below computes the example: every value comes from ENGINES, generated above from the graph's
// quantity definitions, and the comparison and the printing of numbers are rendered from theirs (COMPARISON,
// NUMBERS). This part reads what the user typed, runs them, and writes the results into the page.
(() => {
  const D = SPEC.digits;
  // Numbers printed as sheetprop.numerals and the MathML dialect print them: NUMBERS is their definition
  // (sheetprop.dialects.NUMBER, NUMBER_MARKUP, COLUMN_NUMBER) rendered in the js dialect above this script;
  // ``zeros``: a table's column, its trailing zeros kept so that it lines up.
  const number = (x, d, zeros = false) => zeros ? NUMBERS.columnNumber(x, d) : NUMBERS.number(x, d);
  const mathmlNumber = (x, d, outer) => NUMBERS.mathmlNumber(x, d, outer);

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
      .replace(/'/g, "&#x27;");
  }

  // ------------------------------------------------------------------------------------------ state

  const FIELDS = new Map(SPEC.fields.map(f => [f.name, f]));
  const SETTINGS = ["lr", "rates", "iterations"];

  function defaults() {
    const values = {};
    for (const f of SPEC.fields) values[f.name] = f.value;
    return { values, lr: SPEC.lr, rates: SPEC.rates.slice(), iterations: SPEC.iterations };
  }

  function parseNumber(text) {
    const clean = String(text).trim().replace(/\u2212/g, "-");
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(clean)) return null;
    const value = Number(clean);
    return Number.isFinite(value) ? value : null;
  }

  // RANGES: each parameter's range, rendered from sheetprop.parameters' Parameter.allowed; its words, range_text.
  const rateProblem = rate => RANGES.lr(rate) ? null : `outside ${SPEC.rateRange}`;

  // The value of one field from its text, or {error}: the config's own rules (sheetprop.config).
  function check(name, text) {
    if (name === "rates") {
      const items = String(text).split(/[,;\s]+/).filter(Boolean);
      if (!items.length) return { error: "give one learning rate or more, e.g. 0.1, 0.5" };
      const rates = [];
      for (const item of items) {
        const rate = parseNumber(item);
        if (rate === null) return { error: `${item} is not a number` };
        const problem = rateProblem(rate);
        if (problem) return { error: `${item} is ${problem}` };
        if (rates.includes(rate)) return { error: `${item} is given twice` };
        rates.push(rate);
      }
      if (rates.length * SPEC.optimizers.length > SPEC.maxRuns) return { error: `at most ${SPEC.maxRuns} runs` };
      return { value: rates };
    }
    if (name === "iterations") {
      const count = Number(String(text).trim());
      if (!/^\d+$/.test(String(text).trim()) || count < 1 || count > SPEC.maxIterations)
        return { error: `a whole number from 1 to ${SPEC.maxIterations.toLocaleString("en")}` };
      return { value: count };
    }
    const value = parseNumber(text);
    if (value === null) return { error: "not a number" };
    if (name === "lr") {
      const problem = rateProblem(value);
      return problem ? { error: problem } : { value };
    }
    const field = FIELDS.get(name);
    if (!field) return { error: "no such value in this network" };
    if (field.kind === "hyper" && !RANGES[name](value)) return { error: `outside ${field.rangeText}` };
    for (const rule of field.kind === "target" ? SPEC.targets : []) {  // the config's (sheetprop.config.target_rules)
      const [low, high] = rule.range;
      if (value < low || value > high) return { error: `${rule.who} needs a target from ${low} to ${high}` };
    }
    return { value };
  }

  // What the targets of a whole state break of the config's rules: an example's not summing as they must.
  function targetProblems(state) {
    const problems = [];
    for (const rule of SPEC.targets) {
      if (rule.total === null) continue;
      for (const names of rule.examples) {
        const sum = names.reduce((total, name) => total + state.values[name], 0);
        if (Math.abs(sum - rule.total) > 1e-9)
          problems.push(`${rule.who} needs ${names.join(", ")} to sum to ${rule.total}, not ${number(sum, D)}`);
      }
    }
    return problems;
  }

  function textOf(state, name) {
    if (name === "rates") return state.rates.map(String).join(", ");
    if (name === "lr") return String(state.lr);
    if (name === "iterations") return String(state.iterations);
    return String(state.values[name]);
  }

  function same(a, b, name) {
    return name === "rates" ? a.rates.length === b.rates.length && a.rates.every((r, i) => r === b.rates[i])
      : name === "lr" || name === "iterations" ? a[name] === b[name] : a.values[name] === b.values[name];
  }

  function set(state, name, value) {
    if (SETTINGS.includes(name)) state[name] = value; else state.values[name] = value;
  }

  // The link keeps what differs from the config: #w5=0.3&lr=0.5.
  function fragment(state) {
    const base = defaults();
    const keys = [...SPEC.fields.map(f => f.name), ...SETTINGS].filter(name => !same(state, base, name));
    return keys.map(name => encodeURIComponent(name).replace(/%5B/g, "[").replace(/%5D/g, "]") + "="
      + encodeURIComponent(name === "rates" ? state.rates.join(",") : textOf(state, name)).replace(/%2C/g, ","))
      .join("&");
  }

  function fromFragment(hash) {
    const state = defaults(), problems = [];
    for (const pair of hash.replace(/^#/, "").split("&").filter(Boolean)) {
      const at = pair.indexOf("=");
      let name, text;
      try {
        name = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
        text = decodeURIComponent(at < 0 ? "" : pair.slice(at + 1).replace(/\+/g, " "));
      } catch (e) { problems.push(`${pair}: not readable`); continue; }
      if (!SETTINGS.includes(name) && !FIELDS.has(name)) { problems.push(`${name}: no such value in this network`); continue; }
      const checked = check(name, text);
      if ("error" in checked) problems.push(`${name} = ${text}: ${checked.error}`);
      else set(state, name, checked.value);
    }
    const broken = targetProblems(state);
    if (broken.length) {  // the link's targets together break a rule: the config's targets stand
      const base = defaults();
      for (const rule of SPEC.targets) for (const names of rule.examples) for (const name of names) state.values[name] = base.values[name];
      problems.push(...broken);
    }
    return { state, problems };
  }

  // ------------------------------------------------------------------------------------------ the runs

  function parameters(optimizer, state, rate) {
    return Float64Array.from(SPEC.graphs[optimizer].params, name => name === "lr" ? rate : state.values[name]);
  }

  // Rows 1..count of one run; each(row, i) sees a buffer that the next row overwrites.
  function rows(optimizer, state, rate, count, each) {
    const engine = ENGINES[optimizer], size = SPEC.graphs[optimizer].size, P = parameters(optimizer, state, rate);
    let row = engine.first(P, new Float64Array(size)), previous = new Float64Array(size);
    each(row, 1);
    for (let i = 2; i <= count; i++) {
      [previous, row] = [row, previous];
      engine.next(P, previous, row);
      each(row, i);
    }
  }

  function firstRows(state, rate, count) {
    const kept = [];
    rows(SPEC.optimizers[0], state, rate, count, row => kept.push(Float64Array.from(row)));
    return kept;
  }

  // E_total down one run as every output shows it: COMPARISON.spread, rendered from sheetprop.runs.SPREAD.
  function losses(optimizer, state, rate) {
    const { total } = SPEC.graphs[optimizer];
    const out = new Float64Array(state.iterations);
    let broken = 0;
    rows(optimizer, state, rate, state.iterations, (row, i) => {
      const shown = COMPARISON.spread(row, row[total], total, broken);
      broken = shown.now;
      out[i - 1] = shown.loss;
    });
    return out;
  }

  // Each run judged by COMPARISON, rendered from sheetprop.compare's definitions above this script.
  function summarize(runs, threshold) {
    const results = runs.map(({ run, losses }) => {
      const judged = COMPARISON.run(losses, threshold, losses.length);
      return { run, losses, ...judged, shown: COMPARISON.shown(judged.final, judged.reached) };
    });
    const { best } = COMPARISON.best(results, results.map(r => r.final));
    return { results, best, threshold, named: SPEC.named, iterations: Math.max(...results.map(r => r.losses.length)) };
  }

  // Runs already computed for the same values and iterations are kept: a new η or list of rates only
  // computes the runs it adds.
  const kept = { key: null, runs: new Map() };

  function compute(state) {
    const [r1, r2] = firstRows(state, state.lr, 2);
    const rates = [...new Set(state.rates)];
    const seconds = rates.map(rate => firstRows(state, rate, 2)[1]);
    const key = JSON.stringify([state.values, state.iterations]);
    if (kept.key !== key) { kept.key = key; kept.runs.clear(); }
    const runs = [];
    for (const optimizer of SPEC.optimizers)
      for (const rate of state.rates) {
        const id = optimizer + " " + rate;
        if (!kept.runs.has(id)) kept.runs.set(id, losses(optimizer, state, rate));
        runs.push({ run: { optimizer, rate }, losses: kept.runs.get(id) });
      }
    return { r1, r2, rates, seconds, summary: summarize(runs, SPEC.threshold) };
  }

  // ------------------------------------------------------------------------------------------ words

  // Names of runs in the words of sheetprop.walkthrough.reading.WORDS (SPEC.words): a pair is [unnamed, named].
  const W = SPEC.words;
  const fill = (words, fields) => words.replace(/\{(\w+)\}/g, (_, key) => fields[key]);
  const listed = items => items.length === 1 ? items[0]
    : items.slice(0, -1).join(W.list[0]) + W.list[1] + items[items.length - 1];
  const ratesText = (rates, d) => fill(W.rates, { rates: listed(rates.map(r => number(r, d))) });
  const runsText = (runs, named, d) => named
    ? listed(runs.map(c => fill(W.run, { optimizer: c.optimizer, rate: number(c.rate, d) })))
    : ratesText(runs.map(c => c.rate), d);
  const runLabel = (run, named, d) => fill(W.label[named ? 1 : 0], { optimizer: run.optimizer, rate: number(run.rate, d) });

  // The reading's GROUPS and SENTENCES (sheetprop.walkthrough.reading, in SPEC), read as reading() reads them.
  function reading(summary, d) {
    const { groups: kinds, sentences } = SPEC.reading;
    const groups = {};
    for (const [name, g] of Object.entries(kinds)) {
      let runs = summary.results.filter(r => (!g.statuses || g.statuses.includes(r.status))
        && (!g.with || r[g.with] !== null) && (!g.best || r === summary.best));
      if (g.order) runs.sort((a, b) => {
        for (const key of g.order) if (a[key] < b[key]) return -1; else if (a[key] > b[key]) return 1;
        return 0;
      });
      runs = runs.slice(g.from || 0, g.to ?? runs.length);
      const other = groups[g.unless];
      groups[name] = other && other.length === runs.length && runs.every((r, i) => r === other[i]) ? [] : runs;
    }
    const lines = [];
    for (const s of sentences) {
      const said = Object.entries(s.when || {}).every(([key, wanted]) =>
        key === "iterations" ? summary.iterations === wanted : (groups[key].length > 0) === wanted);
      if (!said) continue;
      const about = groups[s.about] || [];
      for (const runs of s.each ? about.map(r => [r]) : [about])
        lines.push(filled(typeof s.words === "string" ? s.words : s.words[runs[0].status], runs, summary, d));
      if (s.only) return lines;
    }
    return lines;
  }

  // The words' fields, filled from the reading's FIELDS (SPEC.reading.fields) as reading._filled fills them.
  function filled(words, runs, summary, d) {
    const shown = (spec, source) => {
      const v = source[spec.value] + (spec.plus || 0);
      return spec.as === "number" ? number(v, d) : String(v);
    };
    const own = { runs: () => runsText(runs.map(r => r.run), summary.named, d), rate: () => W.rate[summary.named ? 1 : 0] };
    const value = name => {
      if (name in own) return own[name]();
      const spec = SPEC.reading.fields[name];
      if (spec.of !== "runs") return shown(spec, spec.of === "summary" ? summary : runs[0]);
      const texts = runs.map(r => shown(spec, r));
      return spec.joined === "listed" ? listed(texts) : texts.join(spec.joined);
    };
    return words.replace(/\{([^{}]+)\}/g, (_, field) => {
      const [one, many] = field.split("|");
      return many === undefined ? value(one) : runs.length === 1 ? one : many;
    });
  }

  // ------------------------------------------------------------------------------------------ tables

  // A cell: {num}, {int}, {text} or {markup} (a name as MathML), drawn as sheetprop.walkthrough.html draws it.
  function table(header, body) {
    const inNumbers = c => "text" in c && SPEC.inNumbers.includes(c.text);  // sheetprop.walkthrough.blocks.IN_NUMBERS
    const numericCell = c => "num" in c || "int" in c || inNumbers(c);
    const numeric = header.map((_, i) => body.every(row => numericCell(row[i])));
    const head = header.map((h, i) => `<th${numeric[i] ? " class=number" : ""}>${escapeHtml(h)}</th>`).join("");
    const lines = body.map(row => "<tr>" + row.map(c => {
      if ("markup" in c) return `<td>${c.markup}</td>`;
      if ("num" in c) return `<td class="number">${escapeHtml(number(c.num, D, true))}</td>`;
      if ("int" in c) return `<td class="number">${c.int}</td>`;
      return `<td${inNumbers(c) ? " class=number" : ""}>${escapeHtml(c.text)}</td>`;
    }).join("") + "</tr>");
    return `\n<thead><tr>${head}</tr></thead>\n<tbody>\n${lines.join("\n")}\n</tbody>\n`;
  }

  function afterTable(result) {
    const header = [...W.after, ...result.rates.map(rate => runLabel({ rate }, false, D))];
    const body = SPEC.afterRows.map(({ slot, markup }) =>
      [{ markup }, { num: result.r1[slot] }, ...result.seconds.map(row => ({ num: row[slot] }))]);
    return table(header, body);
  }

  function lossTable(summary) {
    const checkpoints = [...new Set([...SPEC.reading.checkpoints.filter(i => i <= summary.iterations), summary.iterations])]
      .sort((a, b) => a - b);
    const header = [...W.losses, ...summary.results.map(r => runLabel(r.run, summary.named, D))];
    const body = checkpoints.map(i => [{ int: i },
      ...summary.results.map(r => i <= r.losses.length ? { num: r.losses[i - 1] } : { text: "" })]);
    return table(header, body);
  }

  function rateTable(summary) {
    const [first, ...rest] = W.summary;
    const header = [first[summary.named ? 1 : 0], ...rest.map(words =>
      fill(words, { n: summary.iterations, threshold: number(summary.threshold, D) }))];
    const body = summary.results.map(r => [{ text: runLabel(r.run, summary.named, D) }, { num: r.first },
      { num: r.final }, typeof r.shown.reached === "number" ? { int: r.reached } : { text: r.shown.reached },
      { text: r.status + (r === summary.best ? SPEC.reading.bestMark : "") }]);
    return table(header, body);
  }

  // ------------------------------------------------------------------------------------------ chart

  // The build's PNG as SVG (sheetprop.plots): its title, its two panels, each run in the palette's colour, dash
  // and marker (SPEC.palette, from sheetprop.palette), the legend beside the panels with the best run marked.
  const P = SPEC.palette, C = SPEC.chart;
  const lookOf = k => ({ colour: P.colours[k % P.colours.length], dash: P.dashes[k % P.dashes.length],
                         marker: P.markers[k % P.markers.length],
                         markFrom: P.markEvery * (k % P.markers.length) / P.markers.length });
  const superscript = e => F.superscript(e);

  // 0 and steps of 1, 2 or 5 times a power of ten from ``low`` to ``top``: about five ticks.
  function roundTicks(low, top) {
    const rough = (top - low) / 5, power = 10 ** Math.floor(Math.log10(rough));
    const step = [1, 2, 2.5, 5, 10].map(m => m * power).find(s => s >= rough);
    const first = Math.ceil(low / step - 1e-9);
    return Array.from({ length: Math.floor(top / step + 1e-9) - first + 1 },
                      (_, k) => Number(((first + k) * step).toPrecision(12)));
  }

  // A run as the build names its sheet (sheetprop.compare.SHEET_NAME), a rate typed on the page too.
  const labelOf = (run, summary) => COMPARISON.sheetName(run.rate, summary.named ? run.optimizer : null);

  // Marker centres every ``every`` pixels along the polyline ``points``, the first at ``from``.
  function marks(points, from, every) {
    const out = [];
    let next = from, walked = 0;
    for (let i = 1; i < points.length; i++) {
      const [x1, y1] = points[i - 1], [x2, y2] = points[i];
      const length = Math.hypot(x2 - x1, y2 - y1);
      while (next <= walked + length) {
        const t = length ? (next - walked) / length : 0;
        out.push([x1 + t * (x2 - x1), y1 + t * (y2 - y1)]);
        next += every;
      }
      walked += length;
    }
    return out;
  }

  const marker = (look, x, y) => `<path d="${look.marker}" transform="translate(${x.toFixed(1)},${y.toFixed(1)}) `
    + `scale(${C.markerSize})" fill="${look.colour}" stroke="${look.colour}" stroke-width="1.2" `
    + `vector-effect="non-scaling-stroke"/>`;
  const stroke = look => `fill="none" stroke="${look.colour}" stroke-width="${P.width}"`
    + (look.dash.length ? ` stroke-dasharray="${look.dash.map(d => d * P.width).join(" ")}"` : "");

  function chart(summary) {
    const W = C.width, H = C.height, n = summary.iterations, F = C.font;
    const listed = summary.results.length <= C.maxLegend;
    const entries = summary.results.map((r, k) => ({ r, k, label: labelOf(r.run, summary) + (r === summary.best ? C.words.best : "") }))
      .filter(e => listed || e.r === summary.best);
    const legendTitle = listed ? C.legendTitle : fill(C.words.many, { n: summary.results.length });
    const drawable = v => Number.isFinite(v) && v < C.drawnUpTo;
    const small = F * C.legendScale, handle = 3.2 * small;
    const legendWidth = entries.length
      ? Math.max(legendTitle.length * F * 0.6, ...entries.map(e => handle + 0.8 * small + e.label.length * small * 0.6)) : 0;
    const [left, bottom, top] = [C.layout.left * W, (1 - C.layout.bottom) * H, (1 - C.layout.top) * H];
    const right = C.layout.right * W - (legendWidth ? legendWidth + C.layout.gap * W : 0);
    const panel = (right - left) / (2 + C.layout.wspace);
    const finite = summary.results.flatMap(r => Array.from(r.losses).filter(drawable));
    const high = Math.max(...finite, summary.threshold), lowest = Math.min(...finite, summary.threshold);
    const positive = finite.filter(v => v > 0);
    const low = Math.min(...positive, summary.threshold);
    const decades = [Math.floor(Math.log10(low)), Math.ceil(Math.log10(high))];
    if (decades[0] === decades[1]) decades[1] += 1;
    const margin = (a, b) => [a - 0.05 * (b - a || 1), b + 0.05 * (b - a || 1)];
    const [x0, x1] = margin(1, n);
    // The title as large as the PNG's, smaller when a long one would pass the figure's edges.
    const titleSize = Math.min(C.titleScale * F, 0.98 * W / (0.56 * C.title.length));
    const parts = [`<text x="${W / 2}" y="${0.045 * H}" text-anchor="middle" font-size="${titleSize.toFixed(1)}">`
                   + `${escapeHtml(C.title)}</text>`];
    const legendLines = [];
    ["linear", "log"].forEach((scale, p) => {
      const L = left + p * panel * (1 + C.layout.wspace), R = L + panel;
      const log = scale === "log";
      const [y0, y1] = log ? [Math.log10(low) - 0.05 * Math.log10(high / low), Math.log10(high) + 0.05 * Math.log10(high / low)]
        : margin(Math.min(0, lowest), high);
      const x = i => L + (i - x0) / (x1 - x0) * panel;
      const y = v => bottom - ((log ? Math.log10(v) : v) - y0) / (y1 - y0) * (bottom - top);
      const g = [], drawn = [];  // the axes' parts; the lines
      const every = Math.ceil((decades[1] - decades[0] + 1) / 8);  // at most eight decades labelled
      const yTicks = log ? Array.from({ length: Math.floor((decades[1] - decades[0]) / every) + 1 },
                                      (_, k) => 10 ** (decades[0] + k * every))
        : roundTicks(Math.min(0, lowest), high);
      for (const t of yTicks) {
        const at = y(t);
        if (at < top - 0.5 || at > bottom + 0.5) continue;
        const text = log ? "10" + superscript(Math.round(Math.log10(t))) : number(t, 3);
        g.push(`<line x1="${L}" x2="${R}" y1="${at.toFixed(1)}" y2="${at.toFixed(1)}" stroke="${P.grid}" stroke-opacity="0.3"/>`,
               `<line x1="${L - 4}" x2="${L}" y1="${at.toFixed(1)}" y2="${at.toFixed(1)}" stroke="${P.axes}"/>`,
               `<text x="${L - 7}" y="${(at + 0.35 * F).toFixed(1)}" text-anchor="end">${escapeHtml(text)}</text>`);
      }
      for (const t of roundTicks(0, n).filter(t => t >= x0 && t <= x1)) {
        const at = x(t).toFixed(1);
        g.push(`<line x1="${at}" x2="${at}" y1="${top}" y2="${bottom}" stroke="${P.grid}" stroke-opacity="0.3"/>`,
               `<line x1="${at}" x2="${at}" y1="${bottom}" y2="${bottom + 4}" stroke="${P.axes}"/>`,
               `<text x="${at}" y="${bottom + 6 + F}" text-anchor="middle">${t}</text>`);
      }
      g.push(`<text x="${(L + R) / 2}" y="${H - 0.25 * F}" text-anchor="middle">${escapeHtml(C.words.x)}</text>`,
             `<text transform="translate(${L - 3.4 * F},${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">`
             + `${escapeHtml(C.words.y + (log ? C.words.log : ""))}</text>`,
             `<line x1="${L}" x2="${R}" y1="${y(summary.threshold).toFixed(1)}" y2="${y(summary.threshold).toFixed(1)}" `
             + `stroke="${P.reference}" stroke-dasharray="1 1.65"/>`);
      const diagonal = Math.hypot(panel, bottom - top);
      summary.results.forEach((r, k) => {
        const look = lookOf(k);
        const step = Math.max(1, Math.floor(r.losses.length / 1000));
        const runs = [[]];  // a line breaks where a value is not drawn
        for (let i = 0; i < r.losses.length; i += step) {
          const v = r.losses[i];
          if (drawable(v) && (!log || v > 0)) runs[runs.length - 1].push([x(i + 1), y(v)]);
          else if (runs[runs.length - 1].length) runs.push([]);
        }
        for (const points of runs.filter(points => points.length)) {
          drawn.push(`<polyline ${stroke(look)} points="${points.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" ")}"/>`);
          for (const [a, b] of marks(points, look.markFrom * diagonal, P.markEvery * diagonal)) drawn.push(marker(look, a, b));
        }
      });
      const frame = `x="${L}" y="${top}" width="${panel}" height="${bottom - top}"`;
      // The axes' limits hold every value drawn (with a margin, as matplotlib's): nothing to clip.
      parts.push(...g, ...drawn, `<rect ${frame} fill="none" stroke="${P.axes}" stroke-width="0.8"/>`);
    });
    if (entries.length) {
      const lx = C.layout.right * W - legendWidth, row = 1.45 * small;
      legendLines.push(`<text x="${lx + legendWidth / 2}" y="${top + F}" text-anchor="middle">${escapeHtml(legendTitle)}</text>`);
      entries.forEach((e, i) => {
        const look = lookOf(e.k), at = top + F + (i + 1) * row;
        legendLines.push(`<line x1="${lx}" x2="${lx + handle}" y1="${at - 0.35 * small}" y2="${at - 0.35 * small}" ${stroke(look)}/>`,
                         marker(look, lx + handle / 2, at - 0.35 * small),
                         `<text x="${lx + handle + 0.8 * small}" y="${at}" font-size="${small.toFixed(1)}" data-run="${e.k}">`
                         + `${escapeHtml(e.label)}</text>`);
      });
    }
    return `<svg class="live-chart" xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 ${W} ${H}" `
      + `font-family="sans-serif" font-size="${F}" role="img" aria-label="E_total against iteration">`
      + parts.join("") + legendLines.join("") + "</svg>";
  }

  // ------------------------------------------------------------------------------------------ the page

  const bound = Array.from(document.querySelectorAll("[data-v]"), el => {
    const [source, key] = el.getAttribute("data-v").split(":");
    return { el, source, key: source === "p" ? key : Number(key), outer: el.hasAttribute("data-o"), shown: null };
  });
  const words = Array.from(document.querySelectorAll("span[data-live]"), el =>
    ({ el, key: el.getAttribute("data-live"), original: el.textContent }));
  const families = Array.from(document.querySelectorAll("table[data-live=family] tr[data-members]"), tr => ({
    cells: tr.cells, after: tr.closest("table").hasAttribute("data-after"),
    slots: tr.getAttribute("data-members").split(",").flatMap(run => {
      const [a, b] = run.split("-").map(Number);
      return Array.from({ length: (b ?? a) - a + 1 }, (_, k) => a + k);
    }),
  }));
  const labels = Array.from(document.querySelectorAll("figure svg text[data-value]"), el => {
    const text = el.textContent, at = text.lastIndexOf(" = ");
    return { el, name: el.getAttribute("data-value"), prefix: at < 0 ? "" : text.slice(0, at + 3) };
  });
  const tables = name => document.querySelector(`table[data-live=${name}]`);
  const figure = document.querySelector("figure[data-live=chart]");
  const picture = figure && figure.querySelector("img");
  const inputs = new Map();
  let state = defaults(), shownState = null, updates = 0;

  function parameterValue(s, name) { return name === "lr" ? s.lr : s.values[name]; }

  function field(name, label) {
    const input = document.createElement("input");
    input.className = "num";
    input.type = "text";
    input.inputMode = "decimal";
    input.spellcheck = false;
    input.dataset.param = name;
    input.setAttribute("aria-label", label || name);
    input.value = textOf(state, name);
    input.size = Math.max(3, input.value.length);
    input.addEventListener("input", () => edit(name, input));
    inputs.set(name, input);
    return input;
  }

  function panel() {
    const section = document.createElement("section");
    section.className = "live-panel";
    section.setAttribute("aria-label", "Try other numbers");
    const few = document.querySelector("table[data-live=start]") !== null;
    section.innerHTML = "<p class=live-intro><strong>Try other numbers.</strong> "
      + (few ? "Every starting value in the table of section 1 is a field, and so are these. "
             : "Section 1 sums the starting values up by layer: set any of them by its name below, or in the "
               + "link, e.g. #w1=0.3. ")
      + "Edit one and the whole page recomputes: every value, every equation with its numbers, the "
      + "gradients, the updates and the comparison. The link keeps what you changed: share it to show "
      + "that variant.</p><div class=fields></div><p class=live-status role=status></p>";
    const box = section.querySelector(".fields");
    const add = (text, name) => {
      const label = document.createElement("label");
      label.append(text + " ", field(name, text));
      box.append(label);
    };
    add("η (the update worked through)", "lr");
    add("learning rates compared", "rates");
    add("iterations", "iterations");
    for (const f of SPEC.fields) if (f.kind === "hyper") add(f.words.split(":")[0], f.name);
    if (!few) box.append(anyValue());
    const reset = document.createElement("button");
    reset.type = "button";
    reset.textContent = "reset";
    reset.title = "back to the config's values";
    reset.addEventListener("click", () => apply(defaults(), []));
    box.append(reset);
    const intro = document.querySelector("h1 + p");
    (intro || document.querySelector("h1")).after(section);
    for (const tr of document.querySelectorAll("table[data-live=start] tr[data-param]")) {
      const name = tr.getAttribute("data-param");
      if (!FIELDS.has(name)) continue;
      const cell = tr.cells[1];
      cell.textContent = "";
      cell.append(field(name, `${name} (${FIELDS.get(name).kind})`));
    }
  }

  // A large network's starting values have no field each: one pair of fields sets any of them by name.
  function anyValue() {
    const label = document.createElement("label");
    const name = document.createElement("input"), value = document.createElement("input");
    name.className = value.className = "num";
    name.type = value.type = "text";
    name.spellcheck = value.spellcheck = false;
    name.size = 6;
    value.size = 8;
    name.dataset.any = "name";
    value.dataset.any = "value";
    name.setAttribute("aria-label", "the name of a starting value, e.g. w1");
    value.setAttribute("aria-label", "its value");
    name.placeholder = "w1";
    const known = () => {
      const found = FIELDS.has(name.value.trim()) && FIELDS.get(name.value.trim()).kind !== "hyper";
      name.setAttribute("aria-invalid", name.value.trim() && !found ? "true" : "false");
      return found;
    };
    name.addEventListener("input", () => {  // a known name shows its value, ready to edit
      if (known()) { value.value = textOf(state, name.value.trim()); say([]); }
      else if (name.value.trim()) say([`${name.value.trim()}: no such value in this network`]);
    });
    value.addEventListener("input", () => {
      if (!known()) { say([`${name.value.trim() || "(no name)"}: no such value in this network`]); return; }
      const checked = check(name.value.trim(), value.value);
      value.setAttribute("aria-invalid", "error" in checked ? "true" : "false");
      edit(name.value.trim(), null, value.value);
    });
    label.append("starting value ", name, " = ", value);
    return label;
  }

  function say(problems) {
    const status = document.querySelector(".live-status");
    if (status) status.textContent = problems.join("; ");
  }

  // A field's new text: applied when it reads as a value, named in the status line when not.
  function edit(name, input, text = input.value) {
    const checked = check(name, text);
    if (input) {
      input.setAttribute("aria-invalid", "error" in checked ? "true" : "false");
      input.size = Math.max(3, input.value.length);
    }
    if ("error" in checked) { say([`${name}: ${checked.error}`]); return false; }
    const next = structuredClone(state);
    set(next, name, checked.value);
    const broken = targetProblems(next);
    if (broken.length) { say(broken.map(problem => `${name} = ${text}: ${problem}`)); return false; }
    apply(next, [], input);
    return true;
  }

  function apply(next, problems, typing) {
    state = next;
    const text = fragment(state);
    const url = location.href.split("#")[0] + (text ? "#" + text : "");
    if (location.href !== url) history.replaceState(null, "", url);
    for (const [name, input] of inputs) {
      if (input !== typing) { input.value = textOf(state, name); input.size = Math.max(3, input.value.length); input.setAttribute("aria-invalid", "false"); }
      input.classList.toggle("edited", !same(state, defaults(), name));
    }
    say(problems);
    render(compute(state));
  }

  function render(result) {
    const rowOf = source => source === "r2" ? result.r2 : result.r1;
    for (const b of bound) {
      const value = b.source === "p" ? parameterValue(state, b.key) : rowOf(b.source)[b.key];
      const markup = mathmlNumber(value, D, b.outer);
      if (b.shown === null) b.shown = b.el.innerHTML;
      if (b.shown !== markup) { b.el.innerHTML = markup; b.shown = markup; }
    }
    const total = SPEC.total, base = defaults();
    for (const w of words) {
      const [kind, source, key, digits] = w.key.split(":");
      let text = w.original;
      if (kind === "n") text = number(source === "p" ? parameterValue(state, key) : rowOf(source)[Number(key)], Number(digits));
      else if (kind === "iterations") text = String(state.iterations);
      else if (kind === "change") text = SPEC.liveWords[result.r2[total] < result.r1[total] ? "down" : "up"];
      else if (kind === "which" && state.lr !== base.lr) text = SPEC.liveWords.edited;
      if (w.el.textContent !== text) w.el.textContent = text;
    }
    for (const label of labels) {
      const text = label.prefix + number(state.values[label.name], SPEC.figureDigits);
      if (label.el.textContent !== text) label.el.textContent = text;
    }
    for (const f of families) {
      const row = f.after ? result.r2 : result.r1;
      const numbers = f.slots.map(s => row[s]);
      const finite = numbers.filter(Number.isFinite);
      const pool = finite.length ? finite : numbers;
      let low = pool[0], high = pool[0];
      for (const v of pool) { if (v < low) low = v; if (v > high) high = v; }
      f.cells[2].textContent = number(low, D, true);
      f.cells[3].textContent = number(high, D, true);
    }
    const summary = result.summary;
    for (const [name, body] of [["after", () => afterTable(result)], ["losses", () => lossTable(summary)],
                                ["rates", () => rateTable(summary)]]) {
      const t = tables(name);
      if (t) t.innerHTML = body();
    }
    const old = Array.from(document.querySelectorAll("p[data-live=reading]"));
    if (old.length) {
      for (const line of reading(summary, Math.min(D, 3))) {
        const p = document.createElement("p");
        p.setAttribute("data-live", "reading");
        p.textContent = line;
        old[0].before(p);
      }
      old.forEach(p => p.remove());
    }
    if (figure) {
      const original = SPEC.png && SPEC.fields.every(f => same(state, base, f.name))
        && SETTINGS.every(name => same(state, base, name));
      if (picture) picture.hidden = !original;
      const drawn = figure.querySelector("svg.live-chart");
      if (drawn) drawn.remove();
      if (!original) figure.insertAdjacentHTML("afterbegin", chart(summary));
    }
    updates += 1;
    document.body.dataset.updates = String(updates);
  }

  panel();
  const opened = fromFragment(location.hash);
  if (location.hash.length > 1) apply(opened.state, opened.problems);
  else document.body.dataset.updates = "0";
  window.addEventListener("hashchange", () => {
    if (location.hash.replace(/^#/, "") === fragment(state)) return;
    const again = fromFragment(location.hash);
    apply(again.state, again.problems);
  });
  // For the tests and the benchmark: the formatter, the comparison of given runs, recomputing without an edit.
  window.sheetprop = { number, mathmlNumber, edit: (name, text) => edit(name, inputs.get(name) || null, text),
                       compared: (runs, threshold, d) => {
                         const s = summarize(runs, threshold);
                         return { results: s.results.map(r => [r.status, r.shown.reached, r.shown.final, r.overshoot]),
                                  best: s.results.indexOf(s.best), reading: reading(s, d) }; },
                       state: () => structuredClone(state),
                       rows: () => { const r = compute(state); return { r1: Array.from(r.r1), r2: Array.from(r.r2),
                         runs: r.summary.results.map(x => [x.run.optimizer, x.run.rate, Array.from(x.losses, String)]) }; } };
})();
