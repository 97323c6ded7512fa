// The booth package in headless Chromium (tests/browser/run.mjs runs this):
// web/test/booth-smoke.html loads web/booth/index.js under a strict CSP,
// creates a ballot for the vectors' manifest and verifies it; here the
// result is checked against Node (node:crypto SHA-256, the wasm booth in
// Node) and, when built, the native CLI. Screenshot: test-results/booth-smoke.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBooth } from '../../web/booth/index.js';
import { readVector, sha256b64url, vectorsManifest } from '../js/support.mjs';

const state = { console: [], pageErrors: [], responses: new Map() };
let page;
// The same page with ?simd=0: the plain module, which browsers without
// WebAssembly SIMD get.
const plain = { pageErrors: [], responses: new Map() };

export async function setup({ server, browser }) {
  page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  page.on('console', (m) => state.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => state.pageErrors.push(String(e)));
  page.on('response', (r) => state.responses.set(new URL(r.url()).pathname, { status: r.status(), type: r.headers()['content-type'] }));
  await page.goto(`${server.url}/test/booth-smoke.html`);
  await page.waitForFunction(() => window.__isoloirSmoke && window.__isoloirSmoke.done, null, { timeout: 60000 });
  state.result = await page.evaluate(() => window.__isoloirSmoke);

  const second = await browser.newPage();
  second.on('pageerror', (e) => plain.pageErrors.push(String(e)));
  second.on('response', (r) => plain.responses.set(new URL(r.url()).pathname, r.status()));
  await second.goto(`${server.url}/test/booth-smoke.html?simd=0`);
  await second.waitForFunction(() => window.__isoloirSmoke && window.__isoloirSmoke.done, null, { timeout: 60000 });
  plain.result = await second.evaluate(() => window.__isoloirSmoke);
  await second.close();
}

export async function teardown() {
  if (page) await page.close();
}

export const tests = [
  ['the page ran without errors or CSP violations', () => {
    assert.deepEqual(state.pageErrors, []);
    assert.deepEqual(state.console.filter((l) => l.startsWith('error') || /Content Security Policy/i.test(l)), []);
    assert.equal(state.result.error, undefined);
    assert.deepEqual([...state.responses].filter(([, r]) => r.status !== 200).map(([p, r]) => `${r.status} ${p}`), []);
  }],
  ['the page ran under a CSP that blocks eval, and the booth did not need it', () => {
    assert.equal(state.result.evalAllowed, false);
  }],
  ['the module files were served with the right types (Chromium has SIMD: that module)', () => {
    assert.deepEqual(state.responses.get('/booth/wasm/isoloir_booth_simd.wasm'), { status: 200, type: 'application/wasm' });
    assert.match(state.responses.get('/booth/wasm/isoloir_booth_simd.mjs')?.type ?? '', /^text\/javascript/);
    assert.equal(state.responses.get('/booth/wasm/isoloir_booth.wasm'), undefined, 'the plain module is not fetched too');
  }],
  ['with simd=0 the page took the plain module, and made and verified a ballot with it', async () => {
    assert.deepEqual(plain.pageErrors, []);
    assert.equal(state.result.simd, true);
    assert.equal(plain.result.simd, false);
    assert.equal(plain.responses.get('/booth/wasm/isoloir_booth.wasm'), 200);
    assert.equal(plain.responses.get('/booth/wasm/isoloir_booth_simd.wasm'), undefined);
    assert.deepEqual(plain.result.checks, {
      verified: true, sameReference: true, referenceIsSha256: true, credentialInBallot: true, refusalReason: true,
    });
    const booth = await loadBooth();
    assert.deepEqual(booth.verifyBallot(vectorsManifest(), plain.result.ballot), { ok: true, reference: plain.result.reference });
  }],
  ['the browser created and verified a ballot (all in-page checks pass)', () => {
    assert.deepEqual(state.result.checks, {
      verified: true, sameReference: true, referenceIsSha256: true, credentialInBallot: true, refusalReason: true,
    });
    assert.equal(state.result.ok, true);
  }],
  ['its reference is base64url(SHA-256(ballot bytes)) computed in Node', () => {
    assert.equal(state.result.reference, sha256b64url(state.result.ballot));
  }],
  ['the ballot made in Chromium verifies in Node with the same reference', async () => {
    const { election_hash: electionHash, manifest } = readVector('manifest.json');
    const booth = await loadBooth();
    assert.equal(state.result.electionHash, electionHash);
    assert.deepEqual(booth.verifyBallot(vectorsManifest(), state.result.ballot), { ok: true, reference: state.result.reference });
    assert.equal(booth.credential(manifest.id, state.result.code), state.result.credential);
  }],
  ['the ballot made in Chromium verifies with the native CLI', ({ repoDir, skip }) => {
    const cli = path.resolve(process.env.ISOLOIR_CLI || path.join(repoDir, 'build', 'isoloir'));
    if (!fs.existsSync(cli)) {
      if (process.env.ISOLOIR_REQUIRE_CLI === '1') assert.fail(`${cli} does not exist`);
      skip(`${cli} not built`);
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-browser-'));
    try {
      fs.writeFileSync(path.join(tmp, 'manifest.json'), vectorsManifest());
      fs.writeFileSync(path.join(tmp, 'ballot.json'), state.result.ballot);
      const r = spawnSync(cli, ['ballot', 'verify', '--manifest', path.join(tmp, 'manifest.json'), path.join(tmp, 'ballot.json')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.ok(r.stdout.split(/\s+/).includes(state.result.reference), r.stdout);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }],
  ['screenshot saved', async ({ resultsDir }) => {
    const file = path.join(resultsDir, 'booth-smoke.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(fs.statSync(file).size > 1000);
    console.log(`    ${path.relative(process.cwd(), file)}; create ${state.result.createMs.toFixed(1)} ms, verify ${state.result.verifyMs.toFixed(1)} ms, load ${state.result.loadMs.toFixed(1)} ms`);
  }],
];
