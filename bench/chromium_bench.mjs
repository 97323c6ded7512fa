// The same measurements as bench/node_bench.mjs inside headless Chromium
// (Debian's, via playwright-core), served by tests/browser/server.mjs under
// the booth's CSP. Prints one JSON line per measurement, env "chromium".
//
//   node bench/chromium_bench.mjs [N=50] [SCRUTIN=capn-2d]
import { launchChromium, startServer } from '../tests/browser/server.mjs';

const n = Number(process.argv[2] || 50);
const scrutin = process.argv[3] || 'capn-2d';

const server = await startServer();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/test/bench.html`);
  const out = await page.evaluate(async ({ n, scrutin }) => {
    const t0 = performance.now();
    const { loadBooth } = await import('/booth/index.js');
    const { benchBallots } = await import('/test/bench-core.js');
    const booth = await loadBooth();
    const loadMs = performance.now() - t0;
    const manifest = (await (await fetch('/vectors/manifest.json')).json()).manifest_canonical;
    return { loadMs, records: benchBallots(booth, manifest, scrutin, n) };
  }, { n, scrutin });
  const env = { env: 'chromium', chromium: browser.version() };
  console.log(JSON.stringify({ ...env, op: 'load_module', n: 1, mean_ms: Math.round(out.loadMs * 1000) / 1000 }));
  for (const record of out.records) console.log(JSON.stringify({ ...env, ...record }));
} finally {
  await browser.close();
  await server.close();
}
