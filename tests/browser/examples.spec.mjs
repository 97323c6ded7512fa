// examples/integrator: an academy's page that embeds <isoloir-booth>, built
// with Vite from the package as an integrator would (npm install, npm run
// build). Here dist/ is served by a tiny static server that sends the same
// strict CSP as isoloir-server and proxies /api/ to a real election
// (startUrn), as the integrator's reverse proxy would; then a voter votes
// through the embedded widget in Chromium. The npm install (Vite, from the
// npm registry) runs when node_modules is missing and leaves the lock as it is.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { loadBooth } from '../../web/booth/index.js';
import { repoDir, sha256b64url } from '../js/support.mjs';
import { PAGE_CSP } from './page-server.mjs';
import { startUrn } from './urn.mjs';
import { axeSource, checkAxe, watchPage } from './widget.spec.mjs';

const example = path.join(repoDir, 'examples', 'integrator');
const dist = path.join(example, 'dist');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml',
};

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: example, encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (exit ${r.status}): ${r.stdout}\n${r.stderr}\n${r.error || ''}`);
  return r.stdout + r.stderr;
}

/**
 * The integrator's web server: dist/ (index.html for any page path) with
 * the CSP, and /api/* passed through to `upstream`, method, headers and
 * body as they are (the cookie stays first-party: same origin).
 */
function startSite(upstream) {
  const target = new URL(upstream);
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://site');
    if (pathname.startsWith('/api/')) {
      const proxied = http.request({
        host: target.hostname, port: target.port, method: req.method, path: req.url,
        headers: { ...req.headers, host: target.host },
      }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      proxied.on('error', () => {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end('bad gateway');
      });
      req.pipe(proxied);
      return;
    }
    let file = path.resolve(dist, `.${path.posix.normalize(decodeURIComponent(pathname))}`);
    if (!file.startsWith(dist + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      file = path.join(dist, 'index.html');
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Content-Security-Policy': PAGE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => new Promise((r) => server.close(r)),
    }));
  });
}

const state = { watch: null, responses: [] };

export async function setup({ browser }) {
  if (!fs.existsSync(path.join(example, 'node_modules', 'vite', 'package.json'))) {
    run('npm', ['install', '--no-audit', '--no-fund', '--no-save']);
  }
  fs.rmSync(dist, { recursive: true, force: true });
  state.buildLog = run('npm', ['run', 'build']);
  state.urn = await startUrn({ voters: 1 });
  await state.urn.activate(0);
  state.site = await startSite(state.urn.url);
  state.context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  state.page = await state.context.newPage();
  state.watch = watchPage(state.page);
  state.page.on('response', (r) => state.responses.push({
    path: new URL(r.url()).pathname, status: r.status(), type: r.headers()['content-type'] || '',
  }));
  await state.page.goto(`${state.site.url}/`);
}

export async function teardown() {
  if (state.context) await state.context.close();
  if (state.site) await state.site.close();
  if (state.urn) {
    await state.urn.stop();
    state.urn.cleanup();
  }
}

export const tests = [
  ['npm run build makes dist/ with the widget, its stylesheet and both wasm modules as files', () => {
    const assets = fs.readdirSync(path.join(dist, 'assets'));
    assert.ok(fs.existsSync(path.join(dist, 'index.html')));
    assert.ok(assets.some((f) => /^isoloir_booth-.*\.wasm$/.test(f)), assets.join(' '));
    assert.ok(assets.some((f) => /^isoloir_booth_simd-.*\.wasm$/.test(f)), assets.join(' '));
    assert.ok(assets.some((f) => /^widget-.*\.css$/.test(f)), assets.join(' '));
    // no data: stylesheet (the CSP would refuse it) and no inline script in the page
    const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
    for (const js of assets.filter((f) => f.endsWith('.js'))) {
      assert.doesNotMatch(fs.readFileSync(path.join(dist, 'assets', js), 'utf8'), /data:text\/css/);
    }
  }],

  ['the widget appears in the integrator\'s layout and loads its files from the bundle', async ({ resultsDir }) => {
    const page = state.page;
    await page.getByRole('heading', { name: 'Connexion', exact: true }).waitFor();
    assert.equal(await page.locator('header .site-name').textContent(), 'Académie de Versailles');
    assert.equal(await page.locator('main isoloir-booth').count(), 1);
    const wasm = state.responses.find((r) => /^\/assets\/isoloir_booth_simd-.*\.wasm$/.test(r.path));
    assert.deepEqual(wasm && [wasm.status, wasm.type], [200, 'application/wasm']);
    const css = state.responses.find((r) => /^\/assets\/widget-.*\.css$/.test(r.path));
    assert.equal(css && css.status, 200);
    // the widget's stylesheet applies: its title has the booth's colour
    const color = await page.locator('isoloir-booth .ib-title').evaluate((e) => getComputedStyle(e).color);
    assert.equal(color, 'rgb(0, 0, 145)');
    await page.screenshot({ path: path.join(resultsDir, 'widget-integrator-login.png'), fullPage: true });
  }],

  ['a voter votes through the embedded widget, the API reached through the proxy', async ({ resultsDir }) => {
    const page = state.page;
    const voter = state.urn.voters[0];
    const scrutin = state.urn.manifest.scrutins[0];
    await page.getByLabel('Identifiant (adresse électronique professionnelle)').fill(voter.identifier);
    await page.getByLabel('Mot de passe').fill(voter.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByLabel('Code de vote').fill(voter.code);
    await page.getByRole('button', { name: 'Valider mon code' }).click();
    await page.getByRole('button', { name: `Voter ${scrutin.title}` }).click();
    await page.getByRole('button', { name: "Je veux voter, j'active la sélection de mon choix de vote" }).click();
    await page.locator('isoloir-booth input[value="blank"]').check();
    await page.getByRole('button', { name: 'Valider mon choix' }).click();
    const cast = page.waitForResponse((r) => r.url().endsWith('/api/v1/ballots'));
    await page.getByRole('button', { name: 'Je vote' }).click();
    const answer = await (await cast).json();
    await page.getByRole('heading', { name: 'Accusé de réception', exact: true }).waitFor();
    const reference = await page.locator('isoloir-booth .ib-reference').textContent();
    assert.equal(reference, answer.reference);
    const booth = await loadBooth();
    assert.equal(booth.verifyReceipt(state.urn.manifestText, answer.deposit).reference, reference);
    assert.equal(await page.locator('isoloir-booth [role=alert]').count(), 0);
    // the integrator's page heard the isoloir-cast event
    assert.equal(await page.locator('#merci').textContent(), `Merci : votre vote est enregistré (référence ${reference}).`);
    await page.screenshot({ path: path.join(resultsDir, 'widget-integrator-receipt.png'), fullPage: true });
    // the ballot on the urn's public board is the one the widget made
    const board = await (await fetch(`${state.urn.url}/api/v1/board/ballots/${reference}`)).json();
    assert.equal(sha256b64url(board.ballot), reference);
  }],

  ['axe-core finds no serious or critical violation on the integrator\'s page', async () => {
    const source = axeSource();
    assert.ok(source, 'axe-core is not installed: npm ci at the repo root (scripts/setup.sh)');
    const { violations } = await checkAxe(state.page, source);
    assert.deepEqual(violations, []);
  }],

  ['no page error, no CSP violation, no console error', () => {
    assert.deepEqual(state.watch.pageErrors, []);
    assert.deepEqual(state.watch.csp, []);
    assert.deepEqual(state.watch.unexpected(), []);
  }],
];
