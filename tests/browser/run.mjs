// A minimal runner for the browser specs (no @playwright/test needed): starts
// the tiny server and Debian's Chromium, runs each spec's tests in order, and
// ends with the line "N passed, N failed" (exit 1 on any failure).
//
//   node tests/browser/run.mjs [spec.mjs ...]     default: tests/browser/*.spec.mjs
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium, repoDir, startServer } from './server.mjs';

class Skip extends Error {}

const here = path.join(repoDir, 'tests', 'browser');
const specs = process.argv.slice(2).length
  ? process.argv.slice(2).map((p) => path.resolve(p))
  : fs.readdirSync(here).filter((f) => f.endsWith('.spec.mjs')).sort().map((f) => path.join(here, f));

const resultsDir = path.join(repoDir, 'test-results');
fs.mkdirSync(resultsDir, { recursive: true });

let passed = 0;
let failed = 0;
let skipped = 0;
const server = await startServer();
let browser;
try {
  browser = await launchChromium();
  console.log(`browser: Chromium ${browser.version()}, server ${server.url}`);
  for (const spec of specs) {
    const mod = await import(pathToFileURL(spec).href);
    console.log(`\n${path.relative(repoDir, spec)}`);
    const ctx = { server, browser, resultsDir, repoDir, skip: (why) => { throw new Skip(why); } };
    let setupError = null;
    try {
      if (mod.setup) await mod.setup(ctx);
    } catch (e) {
      setupError = e;
    }
    for (const [name, fn] of mod.tests) {
      const t0 = performance.now();
      try {
        if (setupError) throw setupError;
        await fn(ctx);
        passed++;
        console.log(`  ✓ ${name} (${Math.round(performance.now() - t0)} ms)`);
      } catch (e) {
        if (e instanceof Skip) {
          skipped++;
          console.log(`  - ${name} (skipped: ${e.message})`);
        } else {
          failed++;
          console.log(`  ✗ ${name}\n      ${String(e && e.stack ? e.stack : e).split('\n').join('\n      ')}`);
        }
      }
    }
    if (mod.teardown) await mod.teardown(ctx).catch((e) => console.log(`  teardown: ${e}`));
  }
} catch (e) {
  failed++;
  console.log(`browser test harness failed: ${e && e.stack ? e.stack : e}`);
} finally {
  if (browser) await browser.close();
  await server.close();
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);

