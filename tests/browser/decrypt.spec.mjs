// A trustee's decryption step in the browser (/depouillement,
// docs/election-end.md section 4 "In a browser") in Chromium, against a small
// server of this test that serves a closed board made by
// isoloir-synth-record (2 scrutins, 3 trustees, threshold 2, the trustees'
// share key files) under /api/v1/record/ as the real server does after the
// close, with the pages from the repo's web/ under the real page CSP.
//
// Checked: before the close (409 not_closed) the page says so and asks for
// nothing; after it, the close's facts and the form. Trustee 1, in French: a
// wrong passphrase is refused at its field, then the right one verifies every
// ballot (progress shown) and offers partials-1.json, focused. Trustee 3, in
// English with the keyboard alone: the ceremony key file instead of the share
// key is refused at the file field, then the share key gives partials-3.json.
// `isoloir tally combine` on the two downloaded files counts the generator's
// results and `isoloir record verify` accepts the record. A board whose
// aggregates.json swaps two options' totals raises the alarm naming the
// scrutin and the option, and offers nothing to download. axe-core finds no
// serious or critical violation (desktop and phone), and no page error, CSP
// violation or console error occurs but the ones provoked.
// Screenshots: test-results/decrypt-*.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoDir } from '../js/support.mjs';
import { startPageServer, unexpectedConsoleErrors, watchConsole } from './page-server.mjs';
import { buildDir } from './urn.mjs';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const cliBin = path.join(buildDir, 'isoloir');
const synthBin = path.join(buildDir, 'isoloir-synth-record');

const BOARD_FILES = ['manifest.json', 'trustees.json', 'credentials.json', 'ballots.jsonl', 'tree_head.json',
  'close.json', 'aggregates.json'];
const PASS = 'passphrase of the trustees';
// Only keeps a broken run from hanging: never what is asserted.
const LONG = 120_000;

let resultsDir;
let work;
let boardDir;
let board;
let files;
let server;
let context;
let page;
let where = '';
const consoleErrors = [];
const downloads = {};
// What the test's board answers: closed or not, and aggregates that lie.
const state = { closed: false, lying: false };

function run(bin, args, input = '') {
  return spawnSync(bin, args, { encoding: 'utf8', input, timeout: LONG });
}

// aggregates.json with the totals of the second scrutin's first two options swapped.
function lyingAggregates() {
  const doc = JSON.parse(files['aggregates.json']);
  const o = doc.scrutins[1].options;
  [o[0].alpha, o[1].alpha] = [o[1].alpha, o[0].alpha];
  [o[0].beta, o[1].beta] = [o[1].beta, o[0].beta];
  return JSON.stringify(doc);
}

function startBoard() {
  return startPageServer({
    pages: ['/depouillement'],
    api(pathname, send, refuse) {
      if (pathname === '/api/v1/session') return refuse(401, 'not_logged_in');
      if (pathname === '/api/v1/board/manifest') return send(200, files['manifest.json'], 'application/json');
      const m = pathname.match(/^\/api\/v1\/record\/([a-z_.]+)$/);
      if (!m) return false;
      if (!state.closed) return refuse(409, 'not_closed');
      if (!BOARD_FILES.includes(m[1])) return false;
      const body = m[1] === 'aggregates.json' && state.lying ? lyingAggregates() : files[m[1]];
      return send(200, body, m[1].endsWith('.jsonl') ? 'application/x-ndjson' : 'application/json');
    },
  });
}

const EXPECTED_HTTP = [
  [401, /^\/api\/v1\/session$/],
  [409, /^\/api\/v1\/record\/close\.json$/],
];

function assertNoErrors() {
  const bad = unexpectedConsoleErrors(consoleErrors, EXPECTED_HTTP);
  assert.deepEqual(bad, [], `console errors: ${JSON.stringify(bad, null, 2)}`);
}

async function settle() {
  await page.waitForLoadState('load');
  await page.waitForFunction(() => {
    const view = document.querySelector('main .view');
    return view && !view.querySelector('.loading');
  });
}

async function visit(pathname) {
  where = pathname;
  await page.goto(server.url + pathname);
  await settle();
}

async function audit(name, phone = false) {
  if (phone) await page.setViewportSize({ width: 360, height: 740 });
  try {
    // A button just enabled again fades back to its colours: audit the end of it.
    await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)));
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
    const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
    await page.screenshot({ path: path.join(resultsDir, `decrypt-${name}.png`), fullPage: true });
    assert.deepEqual(bad, [], `axe on ${name}: ${JSON.stringify(bad, null, 2)}`);
    if (phone) {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    }
  } finally {
    if (phone) await page.setViewportSize({ width: 1100, height: 800 });
  }
}

// Waits until the submission is over: an outcome, a refusal or a field error.
async function outcome() {
  await page.waitForFunction(() => {
    const shown = (id) => document.getElementById(id)?.classList.contains('shown');
    return !document.querySelector('#count-form button').disabled &&
      (shown('count-outcome') || shown('count-refusal') || document.querySelector('[aria-invalid="true"]'));
  }, null, { timeout: LONG });
}

function keyPath(name) {
  return path.join(boardDir, name);
}

export async function setup(ctx) {
  resultsDir = ctx.resultsDir;
  for (const bin of [cliBin, synthBin]) if (!fs.existsSync(bin)) throw new Error(`${bin} is not built`);
  for (const f of ['isoloir_trustee.mjs', 'isoloir_trustee.wasm']) {
    if (!fs.existsSync(path.join(repoDir, 'web', 'booth', 'wasm', f))) {
      throw new Error(`web/booth/wasm/${f} is missing: build the wasm target isoloir_trustee first`);
    }
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-decrypt-'));
  boardDir = path.join(work, 'board');
  const made = run(synthBin, ['--out', boardDir, '--voters', '12', '--scrutins', '2', '--options', '4',
    '--seed', '21', '--threads', '1', '--share-keys', PASS]);
  assert.equal(made.status, 0, made.stderr);
  files = Object.fromEntries(BOARD_FILES.map((f) => [f, fs.readFileSync(path.join(boardDir, f), 'utf8')]));
  board = JSON.parse(files['manifest.json']);
  // A ceremony key file of trustee 3, made by the CLI's first round.
  const init = run(cliBin, ['trustee', 'init', '--election-id', board.id, '--index', '3', '--trustees', '3',
    '--threshold', '2', '--name', 'T3', '--key-file', keyPath('ceremony-3.key'), '--out', path.join(work, 'c3.json'),
    '--kdf', 'interactive'], `${PASS}\n${PASS}\n`);
  assert.equal(init.status, 0, init.stderr + init.stdout);
  server = await startBoard();
  context = await ctx.browser.newContext({ viewport: { width: 1100, height: 800 }, timezoneId: 'Asia/Kathmandu',
    acceptDownloads: true });
  page = await context.newPage();
  await watchConsole(context, page, consoleErrors, () => where);
}

export async function teardown() {
  if (context) await context.close();
  if (server) await server.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
}

export const tests = [
  ['before the close the page says so and asks for nothing', async () => {
    state.closed = false;
    await visit('/depouillement?lang=fr');
    assert.equal(await page.title(), 'Dépouillement — déchiffrement par un trésorier — Isoloir');
    assert.equal(await page.locator('#count-not-closed').textContent(),
      'Le vote n’est pas clos : rien ne peut être déchiffré avant la clôture.');
    assert.equal(await page.locator('#count-form').count(), 0);
    await audit('not-closed');
    assertNoErrors();
  }],

  ['trustee 1 in French: a wrong passphrase at its field, then every ballot verified and partials-1.json offered', async () => {
    state.closed = true;
    await visit('/depouillement?lang=fr');
    const close = JSON.parse(files['close.json']);
    assert.equal(await page.locator('#count-close [data-field="size"]').textContent(), String(close.tree_head.size));
    assert.equal(await page.locator('#count-close [data-field="early"]').textContent(), 'non');
    await audit('form');
    await audit('form-phone', true);

    await page.setInputFiles('#count-form input[type=file]', keyPath('share-1.key'));
    await page.fill('#count-form input[type=password]', 'not the passphrase');
    await page.click('#count-form button[type=submit]');
    await outcome();
    const pass = page.locator('#count-form input[type=password]');
    assert.equal(await pass.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.type), 'password');
    assert.match(await page.locator('#count-form .field.invalid .field-error').textContent(),
      /ne s’ouvre pas avec cette phrase de passe/);

    await page.fill('#count-form input[type=password]', PASS);
    await page.click('#count-form button[type=submit]');
    // The progress is shown while the ballots are checked.
    await page.waitForFunction(() => /bulletins vérifiés|Téléchargement/.test(
      document.getElementById('count-progress-line')?.textContent || ''), null, { timeout: LONG });
    await outcome();
    assert.equal(await page.locator('#count-refusal').textContent(), '');
    assert.equal(await page.locator('#count-hash').textContent(), JSON.parse(files['tree_head.json']).election);
    const ballots = files['ballots.jsonl'].split('\n').filter((l) => l.trim()).length;
    assert.equal(await page.locator('#count-ballots').textContent(), String(ballots));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'count-download');
    assert.equal(await pass.inputValue(), '');
    await audit('done');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#count-download')]);
    assert.equal(download.suggestedFilename(), 'partials-1.json');
    downloads[1] = fs.readFileSync(await download.path(), 'utf8');
    assert.equal(JSON.parse(downloads[1]).trustee, 1);
    assertNoErrors();
  }],

  ['trustee 3 in English with the keyboard: the ceremony key refused at the file field, then the share key', async () => {
    await visit('/depouillement?lang=en');
    assert.equal(await page.locator('#count-form button[type=submit]').textContent(), 'Check the ballot box and decrypt');
    const fileInput = page.locator('#count-form input[type=file]');
    await fileInput.setInputFiles(keyPath('ceremony-3.key'));
    await fileInput.focus();
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASS);
    await page.keyboard.press('Enter');
    await outcome();
    assert.equal(await fileInput.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.type), 'file');
    assert.match(await page.locator('#count-form .field.invalid .field-error').textContent(), /your ceremony key/);
    await audit('wrong-stage-en');

    await fileInput.setInputFiles(keyPath('share-3.key'));
    await page.locator('#count-form input[type=password]').focus();
    await page.keyboard.press('Enter');
    await outcome();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'count-download');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    assert.equal(download.suggestedFilename(), 'partials-3.json');
    downloads[3] = fs.readFileSync(await download.path(), 'utf8');
    assertNoErrors();
  }],

  ['`isoloir tally combine` on the two downloaded files counts the generator\'s results; record verify accepts', async () => {
    assert.ok(downloads[1] && downloads[3], 'the two trustees\' files were downloaded');
    const p1 = path.join(work, 'partials-1.json');
    const p3 = path.join(work, 'partials-3.json');
    fs.writeFileSync(p1, downloads[1]);
    fs.writeFileSync(p3, downloads[3]);
    const record = path.join(work, 'record');
    const r = run(cliBin, ['tally', 'combine', '--board', boardDir, '--out', record, p1, p3]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.equal(r.stderr, '');
    assert.equal(fs.readFileSync(path.join(record, 'results.json'), 'utf8'),
      fs.readFileSync(path.join(boardDir, 'results.json'), 'utf8'));
    const v = run(cliBin, ['record', 'verify', record]);
    assert.equal(v.status, 0, v.stderr + v.stdout);
  }],

  ['aggregates that are not the ballots: the alarm names the scrutin and option, nothing to download', async () => {
    state.lying = true;
    try {
      await visit('/depouillement?lang=fr');
      await page.setInputFiles('#count-form input[type=file]', keyPath('share-2.key'));
      await page.fill('#count-form input[type=password]', PASS);
      await page.click('#count-form button[type=submit]');
      await outcome();
      const alarm = page.locator('#count-refusal');
      assert.ok(await alarm.evaluate((el) => el.classList.contains('alarm')));
      const text = await alarm.textContent();
      const scrutin = board.scrutins[1];
      assert.match(text, /^ALERTE : l’urne publiée ne se vérifie pas\. Rien n’a été déchiffré\./);
      assert.match(text, /Motif : aggregates_differ/);
      assert.ok(text.includes(`${scrutin.id} option ${scrutin.options[0].id}`), text);
      assert.equal(await page.locator('#count-download').count(), 0);
      await audit('alarm');
      assertNoErrors();
    } finally {
      state.lying = false;
    }
  }],
];

// For `node tests/browser/decrypt.spec.mjs` by mistake: say how to run it.
if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  console.error('run with: node tests/browser/run.mjs tests/browser/decrypt.spec.mjs');
  process.exit(2);
}
