// The check page's plumbing: start the worker (Pyodide running sheetprop), hand it the files dropped or
// picked, and show what sheetprop answered. Nothing here judges a sheet: the reports are sheetprop's own.
// A classic script (not a module), so that a page opened as a file can still say how to serve it.

(() => {
  "use strict";

  const setup = JSON.parse(document.getElementById("setup").textContent);
  const $ = id => document.getElementById(id);
  const status = $("status"), progress = $("progress"), drop = $("drop");
  const pickers = ["pick-file", "pick-folder", "pick-files"].map($);
  let worker = null, busy = false, downloads = [];

  function say(text, problem = false) {
    status.textContent = text;
    status.classList.toggle("problem", problem);
  }

  function start() {
    if (location.protocol === "file:") {
      say("A browser runs Python only for a page served over http(s), not opened as a file. Serve this folder " +
          "(python3 -m http.server -d " + setup.folder + ") and open http://localhost:8000/, or put it on a web host.", true);
      return;
    }
    if (typeof WebAssembly !== "object") {
      say("This browser cannot run WebAssembly, which the check needs: use a current Firefox, Chrome, Edge or Safari.", true);
      return;
    }
    worker = new Worker("./worker.js", { type: "module" });
    worker.onmessage = ({ data }) => answered(data);
    worker.onerror = event => {
      event.preventDefault();
      failed("The check stopped: " + (event.message || "the browser could not start it") +
             ". Reload the page to try again, or run sheetprop verify on your sheet.");
    };
    worker.postMessage({ type: "start", setup });
  }

  function answered(data) {
    if (data.type === "progress") {
      progress.max = data.total;
      progress.value = data.loaded;
      say(data.phase);
    } else if (data.type === "ready") {
      progress.hidden = true;
      say(`Ready (Python started in ${data.seconds.toFixed(1)} s). Drop your sheet, or choose it.`);
      document.body.dataset.ready = "1";
      document.body.dataset.timings = JSON.stringify(data.timings);  // seconds to each step, for benchmarks
      enable(true);
    } else if (data.type === "grading") {
      progress.hidden = false;
      progress.max = data.total;
      progress.value = data.done;
      say(`Grading the class: ${data.done} of ${data.total} sheets…`);
    } else if (data.type === "checked") {
      showCheck(data);
    } else if (data.type === "graded") {
      showGrades(data);
    } else if (data.type === "failed") {
      failed(data.message);
    }
  }

  function failed(message) {
    say(message, true);
    busy = false;
    enable(false);
    document.body.dataset.failed = "1";
  }

  function enable(on) {
    drop.setAttribute("aria-disabled", on ? "false" : "true");
    for (const picker of pickers) picker.disabled = !on;
  }

  function begin(text) {
    busy = true;
    enable(false);
    delete document.body.dataset.done;
    for (const url of downloads) URL.revokeObjectURL(url);
    downloads = [];
    $("result").hidden = true;
    say(text);
  }

  function finish(text) {
    busy = false;
    progress.hidden = true;
    enable(true);
    say(text);
    document.body.dataset.done = String(Date.now());
  }

  async function checkFile(file) {
    begin(`Checking ${file.name}…`);
    const bytes = await file.arrayBuffer();
    worker.postMessage({ type: "check", name: file.name, bytes }, [bytes]);
  }

  async function gradeFiles(files) {
    begin(`Reading ${files.length} files…`);
    const sent = [];
    for (const { path, file } of files) sent.push({ path, bytes: await file.arrayBuffer() });
    worker.postMessage({ type: "grade", files: sent }, sent.map(f => f.bytes));
  }

  function showCheck({ name, answer, annotated }) {
    const result = JSON.parse(answer);
    const report = JSON.parse(result.json);
    $("result").hidden = false;
    $("result").dataset.kind = "check";
    $("result-title").textContent = name;
    $("report").hidden = !result.text;
    $("report").textContent = result.text;
    $("class-report").replaceChildren();
    const verdict = $("verdict");
    verdict.className = "verdict " + (result.error ? "problem" : result.status === 0 ? "agrees" : "wrong");
    if (result.error) {
      verdict.textContent = result.error;
    } else if (result.status === 0) {
      verdict.textContent = "Every judged cell agrees with the correct formula.";
    } else if (report.findings.length) {
      const n = report.findings.length;
      verdict.textContent = `${n} ${n === 1 ? "quantity is" : "quantities are"} wrong: each is listed below at its first wrong cell.`;
    } else {
      verdict.textContent = "Not every quantity could be judged: see below. This is no verdict of correct.";
    }
    const assigned = $("assigned"), graded = result.assignment;
    assigned.replaceChildren();
    const line = text => {
      const item = document.createElement("li");
      item.textContent = text;
      assigned.append(item);
    };
    if (graded) {
      const notes = graded.notes ? ` (${graded.notes})` : "";
      line(`Against the assignment, as sheetprop grade marks it: ${graded.status}` +
           (graded.score ? `, score ${graded.score}` : "") + notes + ".");
      for (const value of graded.values) line("Not the assignment's value: " + value + ".");
    }
    const links = [];
    if (annotated) {
      const stem = name.replace(/\.[^.]*$/, "");
      links.push(link(new Blob([annotated], { type: XLSX }), `${stem}-checked.xlsx`,
                      "Download your sheet with the wrong cells highlighted"));
    }
    if (result.unwritten) {
      const note = document.createElement("span");
      note.className = "problem";
      note.textContent = result.unwritten.charAt(0).toUpperCase() + result.unwritten.slice(1) + ".";
      links.push(note);
    }
    $("downloads").replaceChildren(...links);
    $("json").textContent = result.json;
    $("json-box").hidden = false;
    $("csv-box").hidden = true;
    finish(`Checked ${name}. Drop another sheet to check it.`);
  }

  function showGrades({ answer }) {
    const result = JSON.parse(answer);
    $("result").hidden = false;
    $("result").dataset.kind = "grade";
    $("assigned").replaceChildren();
    $("report").hidden = true;
    $("json-box").hidden = true;
    $("csv-box").hidden = !result.csv;
    $("csv").textContent = result.csv || "";
    if (result.error) {
      $("result-title").textContent = "The class";
      $("verdict").className = "verdict problem";
      $("verdict").textContent = result.error;
      $("downloads").replaceChildren();
      $("class-report").replaceChildren();
      finish("Nothing graded.");
      return;
    }
    $("result-title").textContent = `The class: ${result.files} sheets`;
    $("verdict").className = "verdict";
    $("verdict").textContent = "";  // the class report says it, first thing
    $("downloads").replaceChildren(
      link(new Blob([result.csv], { type: "text/csv" }), "grades.csv", "Download grades.csv"),
      link(new Blob([result.html], { type: "text/html" }), "grades.html", "grades.html"));
    // grade's own class report, its body shown here (escaped by grade; parsed, never run).
    const page = new DOMParser().parseFromString(result.html, "text/html");
    for (const node of page.querySelectorAll("script, style, meta, link")) node.remove();
    $("class-report").replaceChildren(...Array.from(page.body.childNodes).map(node => document.adoptNode(node)));
    finish(`Graded ${result.files} sheets.`);
  }

  const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

  function link(blob, filename, text) {
    const url = URL.createObjectURL(blob);
    downloads.push(url);
    const a = document.createElement("a");
    a.href = url;
    a.download = filename;
    a.textContent = `${text} (${blob.size < 1e6 ? Math.ceil(blob.size / 1e3) + " kB" : (blob.size / 1e6).toFixed(1) + " MB"})`;
    a.dataset.bytes = String(blob.size);
    a.className = "button";
    return a;
  }

  // A dropped folder, read through the entries API: every file with its path below the folder.
  async function entries(entry, below = "") {
    if (entry.isFile) {
      const file = await new Promise((done, fail) => entry.file(done, fail));
      return [{ path: below + file.name, file }];
    }
    const reader = entry.createReader(), found = [];
    for (;;) {
      const batch = await new Promise((done, fail) => reader.readEntries(done, fail));
      if (!batch.length) break;
      for (const child of batch) found.push(...await entries(child, below + entry.name + "/"));
    }
    return found;
  }

  function insideFolder(path) {  // "class/ann/sheet.xlsx" → "ann/sheet.xlsx": names as grade gives them
    return path.split("/").slice(1).join("/") || path;
  }

  drop.addEventListener("dragover", event => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async event => {
    event.preventDefault();
    drop.classList.remove("over");
    if (!document.body.dataset.ready) return say("Python is still starting in your browser: drop it again once the page says Ready.");
    if (busy) return;
    const items = Array.from(event.dataTransfer.items || [], item => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean);
    if (items.length === 1 && items[0].isFile) return checkFile(event.dataTransfer.files[0]);
    const files = [];
    for (const item of items) {
      for (const found of await entries(item)) files.push({ path: item.isDirectory ? insideFolder(found.path) : found.path, file: found.file });
    }
    if (files.length) gradeFiles(files);
  });
  $("pick-file").addEventListener("change", event => {
    if (event.target.files.length) checkFile(event.target.files[0]);
    event.target.value = "";
  });
  $("pick-folder").addEventListener("change", event => {
    const files = Array.from(event.target.files, file => ({ path: insideFolder(file.webkitRelativePath || file.name), file }));
    event.target.value = "";
    if (files.length) gradeFiles(files);
  });
  $("pick-files").addEventListener("change", event => {
    const files = Array.from(event.target.files, file => ({ path: file.name, file }));
    event.target.value = "";
    if (files.length) gradeFiles(files);
  });

  start();
})();
