// The booth (wasm) against the same protocol in plain JavaScript
// (bench/baseline/: on libsodium.js and on noble-curves), in one headless
// Chromium page (Debian's, via playwright-core) served by
// tests/browser/server.mjs under the booth's CSP. The three take turns in one
// loop (bench/baseline/compare.mjs), so the shared machine's noise falls on
// all alike. Prints one JSON line per measurement, env "chromium", impl
// "booth", "libsodium.js" or "noble-curves" (the booth's lines are the ones
// this benchmark always printed), then a "summary" line: medians, ratios
// baseline / booth (above 1: the booth is faster), the gzip sizes of the
// files each loaded, the load average before and after. A table of the same
// goes to stderr. Figures, never pass/fail.
//
//   node bench/chromium_bench.mjs [N=50] [SCRUTIN=capn-2d]
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { CSP, DEFAULT_MOUNTS, launchChromium, repoDir, startServer } from '../tests/browser/server.mjs';

const n = Number(process.argv[2] || 50);
const scrutin = process.argv[3] || 'capn-2d';

// The npm packages the baselines import, served from node_modules as they
// were installed (their ES-module builds; no CDN, no bundler).
const PACKAGES = ['libsodium-wrappers-sumo', 'libsodium-sumo', '@noble/curves', '@noble/hashes'];
const baselineDir = path.join(repoDir, 'bench', 'baseline');
const mounts = {
  ...DEFAULT_MOUNTS,
  '/baseline/': baselineDir,
  ...Object.fromEntries(PACKAGES.map((p) => [`/npm/${p}/`, path.join(repoDir, 'node_modules', p)])),
};

// The booth's policy, plus the SHA-256 of bench.html's import map: inline
// scripts stay refused, and that map is the only one allowed.
function pageCsp(html) {
  const map = html.match(/<script type="importmap">([\s\S]*?)<\/script>/);
  if (!map) throw new Error('bench.html has no import map');
  const hash = crypto.createHash('sha256').update(map[1], 'utf8').digest('base64');
  return CSP.replace("script-src 'self'", `script-src 'self' 'sha256-${hash}'`);
}

// The file the server answers for a URL path (longest mount prefix first).
function fileFor(pathname) {
  const [prefix, dir] = Object.entries(mounts).sort(([a], [b]) => b.length - a.length)
    .find(([p]) => pathname.startsWith(p));
  return path.join(dir, pathname.slice(prefix.length));
}

// Bytes and gzip bytes (zlib's default level, as `gzip` without options) of what a load fetched.
function sizes(paths) {
  const datas = paths.map((p) => fs.readFileSync(fileFor(p)));
  return {
    bytes: datas.reduce((a, d) => a + d.length, 0),
    gzip_bytes: datas.reduce((a, d) => a + zlib.gzipSync(d).length, 0),
    files: paths.length,
    paths,
  };
}

const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
const round = (x, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

// Runs the page: loads the three, times them; returns what the page measured.
async function runPage(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${url}/baseline/bench.html`);
  const out = await page.evaluate(async ({ n, scrutin }) => {
    const { loadAll, compareBallots } = await import('/baseline/compare.mjs');
    const { shared, loaded } = await loadAll();
    const manifest = (await (await fetch('/vectors/manifest.json')).json()).manifest_canonical;
    const results = compareBallots(loaded, manifest, scrutin, n);
    return { shared, loads: loaded.map(({ name, loadMs, files }) => ({ name, loadMs, files })), results };
  }, { n, scrutin });
  if (errors.length) throw new Error(`the page logged errors (CSP?):\n${errors.join('\n')}`);
  return out;
}

// One summary entry per implementation; the baselines' ratios (of medians) are to the booth.
function summarise(out) {
  const booth = out.results.find((r) => r.impl === 'booth');
  const entries = out.results.map((r) => {
    const load = out.loads.find((l) => l.name === r.impl);
    const files = r.impl === 'booth' ? load.files : [...out.shared, ...load.files];
    // Medians, and minima: on a loaded machine the fastest run is the
    // nearest to the uncontended cost.
    const entry = {
      create_ms: r.create.median_ms,
      verify_ms: r.verify.median_ms,
      create_min_ms: r.create.min_ms,
      verify_min_ms: r.verify.min_ms,
      load_ms: round(load.loadMs, 1),
      // Cold: fetch and compile (load) plus the first ballot, made before
      // any other (tables built, nothing optimised yet). One sample.
      first_create_ms: round(r.firstCreateMs, 1),
      cold_ms: round(load.loadMs + r.firstCreateMs, 1),
      ...sizes(files),
    };
    if (r.impl !== 'booth') {
      entry.create_ratio = round(r.create.median_ms / booth.create.median_ms, 2);
      entry.verify_ratio = round(r.verify.median_ms / booth.verify.median_ms, 2);
    }
    return [r.impl, entry];
  });
  return Object.fromEntries(entries);
}

function printTable(summary) {
  const rows = Object.entries(summary).map(([impl, e]) => [impl, e.create_ms, e.verify_ms,
    e.create_ratio ?? '', e.verify_ratio ?? '', e.load_ms, e.cold_ms, `${round(e.gzip_bytes / 1000, 1)} KB (${e.files} files)`]);
  const head = ['', 'create ms', 'verify ms', 'create ÷ booth', 'verify ÷ booth', 'load ms', 'cold ms', 'gzip'];
  const widths = [13, 11, 11, 16, 16, 9, 9, 24];
  const cell = (c, i) => (i ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]));
  for (const row of [head, ...rows]) console.error(row.map(cell).join(''));
}

const before = loadavg();
const server = await startServer({ mounts, csp: pageCsp(fs.readFileSync(path.join(baselineDir, 'bench.html'), 'utf8')) });
const browser = await launchChromium();
try {
  const out = await runPage(browser, server.url);
  const after = loadavg();
  const env = { env: 'chromium', chromium: browser.version() };
  for (const r of out.results) {
    const load = out.loads.find((l) => l.name === r.impl);
    console.log(JSON.stringify({ ...env, impl: r.impl, op: 'load_module', n: 1, mean_ms: round(load.loadMs) }));
    console.log(JSON.stringify({ ...env, impl: r.impl, ...r.create }));
    console.log(JSON.stringify({ ...env, impl: r.impl, ...r.verify }));
  }
  const summary = summarise(out);
  const { options } = out.results[0].create;
  console.log(JSON.stringify({
    ...env, op: 'summary', scrutin, options, n, date: new Date().toISOString(), cpus: os.cpus().length,
    loadavg_before: before, loadavg_after: after, ...summary,
  }));
  printTable(summary);
} finally {
  await browser.close();
  await server.close();
}
