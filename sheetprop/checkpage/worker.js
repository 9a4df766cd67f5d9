// The check page's Web Worker: Pyodide with sheetprop installed from the wheels beside the page, and
// sheetprop.checkpage.inbrowser called for each sheet or class. Every file it loads comes from this folder.

import { loadPyodide } from "./pyodide.mjs";

const HOME = "/home/pyodide";
let pyodide = null, inbrowser = null, assignmentFile = null, count = 0;

// Bytes received so far, for the progress bar: every response read through fetch is counted as it streams.
let loaded = 0, total = 1, phase = "";
const fetchFromFolder = globalThis.fetch.bind(globalThis);
globalThis.fetch = async (resource, options) => {
  const response = await fetchFromFolder(resource, options);
  if (!response.body) return response;
  const counted = response.body.pipeThrough(new TransformStream({
    transform(chunk, out) {
      loaded += chunk.byteLength;
      report();
      out.enqueue(chunk);
    },
  }));
  return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
};

let shown = 0;
function report(force = false) {
  const now = performance.now();
  if (force || now - shown > 100) {
    shown = now;
    const megabytes = `${(loaded / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`;
    postMessage({ type: "progress", loaded, total, phase: `${phase} (${megabytes})…` });
  }
}

async function start(setup) {
  const started = performance.now();
  total = setup.bytes;
  phase = "Loading Python and sheetprop into your browser";
  report(true);
  const wheels = setup.wheels.map(name => fetch(name).then(fetched));
  const assignment = setup.assignment ? fetch(setup.assignment).then(response => response.text()) : null;
  const seconds = () => (performance.now() - started) / 1000, timings = {};
  pyodide = await loadPyodide({
    indexURL: new URL(".", location.href).href,
    packageBaseUrl: new URL(".", location.href).href,  // no package is ever loaded; if one were, from here
    lockFileContents: { info: setup.pyodide.lock_info, packages: {} },
    env: { HOME },
    stdout: () => {},
    stderr: () => {},
  });
  timings.python = seconds();
  // Into site-packages, not the working folder (the default), which each check changes.
  const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
  for (const wheel of await Promise.all(wheels)) pyodide.unpackArchive(wheel, "wheel", { extractDir: sitePackages });
  if (assignment) {
    assignmentFile = `${HOME}/assignment.toml`;
    pyodide.FS.writeFile(assignmentFile, await assignment);
  }
  timings.wheels = seconds();
  phase = "Starting sheetprop";
  loaded = total;
  report(true);
  // The judging's modules imported now, so that the first sheet waits for none of them.
  pyodide.runPython("import sheetprop.verify.check, sheetprop.files.annotate, sheetprop.grade");
  inbrowser = pyodide.pyimport("sheetprop.checkpage.inbrowser");
  timings.imports = seconds();
  postMessage({ type: "ready", seconds: seconds(), timings });
}

async function fetched(response) {
  if (!response.ok) throw new Error(`${response.url || "a file of the page"} could not be loaded (${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

function folder() {
  const path = `${HOME}/work-${++count}`;
  pyodide.FS.mkdirTree(path);
  return path;
}

function safe(name) {  // a file name the browser gave, as one path segment
  const cleaned = String(name).replace(/[\/\\\0]/g, "_");
  return cleaned === "." || cleaned === ".." || !cleaned ? "_" : cleaned;
}

function check({ name, bytes }) {
  name = safe(name);
  const refused = inbrowser.refusal(name, bytes.byteLength);
  if (refused) {
    const error = JSON.parse(refused).error;
    const answer = JSON.stringify({ status: 2, json: refused, text: "", error, annotated: null, unwritten: null, assignment: null });
    return postMessage({ type: "checked", name, answer, annotated: null });
  }
  const where = folder(), path = `${where}/${name}`;
  pyodide.FS.writeFile(path, new Uint8Array(bytes));
  try {
    const answer = inbrowser.check(path, assignmentFile);
    const annotatedPath = JSON.parse(answer).annotated;
    const annotated = annotatedPath ? pyodide.FS.readFile(annotatedPath).buffer : null;
    postMessage({ type: "checked", name, answer, annotated }, annotated ? [annotated] : []);
  } finally {
    inbrowser.discard(where);
  }
}

function grade({ files }) {
  const where = folder(), sheets = `${where}/sheets`;
  for (const { path, bytes } of files) {
    const parts = String(path).split("/").filter(part => part && part !== "." && part !== "..").map(safe);
    if (!parts.length) continue;
    pyodide.FS.mkdirTree([sheets, ...parts.slice(0, -1)].join("/"));
    pyodide.FS.writeFile([sheets, ...parts].join("/"), new Uint8Array(bytes));
  }
  const progress = (done, all) => postMessage({ type: "grading", done, total: all });
  try {
    const answer = inbrowser.grade(sheets, `${where}/out`, assignmentFile, progress);
    postMessage({ type: "graded", answer });
  } finally {
    inbrowser.discard(where);
  }
}

onmessage = async ({ data }) => {
  try {
    if (data.type === "start") await start(data.setup);
    else if (data.type === "check") check(data);
    else if (data.type === "grade") grade(data);
  } catch (error) {
    const message = String(error && error.message || error).trim().split("\n").filter(Boolean).pop();
    postMessage({ type: "failed", message: (pyodide ? "The check failed: " : "Python could not be started: ") + message +
                  ". Reload the page to try again, or run sheetprop verify on your sheet." });
  }
};
