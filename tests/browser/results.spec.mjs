// The public results page (/resultats) in Chromium, against a small server
// of this test that plays the board's side of docs/election-end.md section 3
// from the vectors' complete record (ISOLOIR_VECTORS_DIR/record): the
// record's files under /api/v1/record/, any bytes for record.tar.gz, and a
// turnout consistent with the record. The pages come from the repo's web/
// under the real server's page CSP (server/src/http/http_web.cpp).
//
// Checked: the counts shown are record.json's, in French and in English,
// with the shares and turnout in each language's number format; axe-core
// finds no serious or critical violation at desktop and phone widths; the
// verification of the whole record (the WebAssembly verifier in a Web Worker)
// shows its progress and reaches success with the election hash and the
// recomputed counts equal to the shown ones; with one ballot line tampered
// with, the page reports the refusal naming ballots.jsonl; before the count
// (404 not_published), and during the vote (409 not_closed), the page says
// so and still shows the turnout; and a page shown other counts than the
// record's raises the alarm after the verification. No page error, no CSP
// violation, no console error but the ones this test provokes.
// Screenshots: test-results/results-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { formatDateTime } from '../../web/booth/i18n.js';
import { repoDir, vectorsDir } from '../js/support.mjs';
import { startPageServer, unexpectedConsoleErrors, watchConsole } from './page-server.mjs';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const expected = JSON.parse(fs.readFileSync(path.join(vectorsDir, 'record.json'), 'utf8'));
const recordDir = path.join(vectorsDir, expected.directory);
const RECORD_FILES = ['manifest.json', 'trustees.json', 'credentials.json', 'ballots.jsonl', 'tree_head.json',
  'tally.json', 'results.json'];
const record = Object.fromEntries(RECORD_FILES.map((f) => [f, fs.readFileSync(path.join(recordDir, f))]));
const manifest = JSON.parse(record['manifest.json']);
const publishedResults = JSON.parse(record['results.json']);
const ARCHIVE_BYTES = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x69, 0x73, 0x6f, 0x6c]);

// One ballot line altered: a character of its first ciphertext changed.
const TAMPERED_LINE = 7; // 1-based
function tamperedBallots() {
  const lines = record['ballots.jsonl'].toString('utf8').split('\n');
  const entry = JSON.parse(lines[TAMPERED_LINE - 1]);
  const alpha = entry.ballot.answers[0].alpha;
  entry.ballot.answers[0].alpha = (alpha[0] === 'A' ? 'B' : 'A') + alpha.slice(1);
  lines[TAMPERED_LINE - 1] = JSON.stringify(entry);
  return Buffer.from(lines.join('\n'), 'utf8');
}

// Made-up turnout consistent with the record: votes = the scrutin's ballots.
const REGISTERED = { 'csa-ministeriel': 24, 'csa-academique': 30, 'capn-2d': 40 };
const turnout = {
  at: '2022-12-08T16:00:00Z',
  scrutins: publishedResults.scrutins.map((s) => ({ id: s.id, registered: REGISTERED[s.id] ?? 2 * s.ballots,
    votes: s.ballots })),
};

// What the test's board answers: {closed, published, tampered, lies}.
// `lies`: the next results.json answered swaps two counts of the first
// scrutin (a board showing the page other results than its record's).
const state = { closed: true, published: true, tampered: false, lies: 0 };

function lyingResults() {
  const r = JSON.parse(record['results.json']);
  const counts = r.scrutins[0].counts;
  [counts[0].count, counts[1].count] = [counts[1].count, counts[0].count];
  return Buffer.from(JSON.stringify(r), 'utf8');
}

function startBoard() {
  return startPageServer({
    pages: ['/resultats'],
    api(pathname, send, refuse) {
      if (pathname === '/api/v1/session') return refuse(401, 'not_logged_in');
      if (pathname === '/api/v1/board/manifest') return send(200, record['manifest.json'], 'application/json');
      if (pathname === '/api/v1/board/turnout') return send(200, JSON.stringify(turnout), 'application/json');
      const m = pathname.match(/^\/api\/v1\/record\/([a-z_.]+)$/);
      if (!m) return false;
      const name = m[1];
      const afterCount = name === 'tally.json' || name === 'results.json' || name === 'record.tar.gz';
      if (!state.closed) return refuse(409, 'not_closed');
      if (afterCount && !state.published) return refuse(404, 'not_published');
      if (name === 'record.tar.gz') return send(200, ARCHIVE_BYTES, 'application/gzip');
      if (!(name in record)) return false;
      let body = name === 'ballots.jsonl' && state.tampered ? tamperedBallots() : record[name];
      if (name === 'results.json' && state.lies > 0) {
        state.lies -= 1;
        body = lyingResults();
      }
      return send(200, body, name.endsWith('.jsonl') ? 'application/jsonl' : 'application/json');
    },
  });
}

let board;
let context;
let page;
let resultsDir;
const workers = []; // the URLs of the Web Workers the page started
const consoleErrors = [];
let where = '';

// The browser's own console lines for answers this test provokes.
const EXPECTED_HTTP = [
  [401, /^\/api\/v1\/session$/], // logged out
  [404, /^\/api\/v1\/record\/results\.json$/], // not published yet
  [409, /^\/api\/v1\/record\/(manifest|results)\.json$/], // not closed yet
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
  await page.waitForLoadState('networkidle');
}

async function visit(pathname) {
  where = pathname;
  await page.goto(board.url + pathname);
  await settle();
}

async function audit(name) {
  await settle();
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  await page.screenshot({ path: path.join(resultsDir, `results-${name}.png`), fullPage: true });
  assert.deepEqual(bad, [], `axe on ${name}: ${JSON.stringify(bad, null, 2)}`);
}

/** At a phone's width: the audit again, and nothing wider than the screen but the tables' own scroller. */
async function auditPhone(name) {
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    await audit(`${name}-phone`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
  } finally {
    await page.setViewportSize({ width: 1100, height: 800 });
  }
}

const pct = (ratio, lang) => new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'fr-FR',
  { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(ratio);
const num = (n, lang) => new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'fr-FR').format(n);

/** What each scrutin's table and turnout say, read from the page. */
function readPage() {
  return page.evaluate(() => [...document.querySelectorAll('section.scrutin-results')].map((section) => {
    const table = section.querySelector('table.results-table');
    const cell = (row, field) => row.querySelector(`[data-field="${field}"]`).textContent;
    const dd = (field) => section.querySelector(`dl.turnout [data-field="${field}"]`)?.textContent ?? null;
    return {
      id: section.dataset.scrutin,
      title: section.querySelector('h2').textContent,
      caption: table ? table.querySelector('caption').textContent : null,
      rows: table ? [...table.querySelectorAll('tbody tr')].map((tr) => ({ option: tr.dataset.option,
        label: tr.querySelector('th').textContent, count: cell(tr, 'count'), share: cell(tr, 'share') })) : null,
      ballots: table ? table.querySelector('[data-field="ballots"]').textContent : null,
      chart: [...section.querySelectorAll('.chart .chart-row')].map((r) => ({ option: r.dataset.option,
        count: r.querySelector('.chart-count').textContent, width: r.querySelector('.chart-bar').style.width })),
      chartHidden: section.querySelector('.chart')?.getAttribute('aria-hidden') ?? null,
      turnout: { registered: dd('registered'), votes: dd('votes'), rate: dd('rate') },
      turnoutHeading: section.querySelector('h3')?.textContent ?? null,
    };
  }));
}

/** The page's tables against record.json, the turnout against ours, in `lang`'s number format. */
function checkShown(shown, lang) {
  assert.deepEqual(shown.map((s) => s.id), manifest.scrutins.map((s) => s.id));
  for (const s of shown) {
    const scrutin = manifest.scrutins.find((m) => m.id === s.id);
    const want = expected.results[s.id];
    assert.equal(s.title, scrutin.title);
    assert.ok(s.caption.includes(scrutin.title), s.caption);
    // Every option of the manifest, the blank vote included, in its order.
    assert.deepEqual(s.rows.map((r) => r.option), scrutin.options.map((o) => o.id));
    assert.deepEqual(s.rows.map((r) => r.label), scrutin.options.map((o) => o.label));
    assert.deepEqual(Object.fromEntries(s.rows.map((r) => [r.option, r.count])),
      Object.fromEntries(Object.entries(want).map(([k, v]) => [k, num(v, lang)])));
    const blankIds = new Set(scrutin.options.filter((o) => o.blank).map((o) => o.id));
    const expressed = Object.entries(want).filter(([k]) => !blankIds.has(k)).reduce((a, [, v]) => a + v, 0);
    for (const r of s.rows) {
      if (!blankIds.has(r.option)) assert.equal(r.share, pct(want[r.option] / expressed, lang), `${s.id}/${r.option}`);
    }
    assert.equal(s.ballots, num(publishedResults.scrutins.find((x) => x.id === s.id).ballots, lang));
    // The chart says the same, hidden from assistive technologies; the longest bar is full.
    assert.equal(s.chartHidden, 'true');
    assert.deepEqual(s.chart.map((c) => [c.option, c.count]), s.rows.map((r) => [r.option, r.count]));
    const max = Math.max(...Object.values(want));
    for (const c of s.chart) {
      assert.match(c.width, /%$/);
      assert.ok(Math.abs(Number.parseFloat(c.width) - (100 * want[c.option]) / max) < 0.01, `${s.id}/${c.option}: ${c.width}`);
    }
    checkTurnout(s, lang);
  }
}

function checkTurnout(s, lang) {
  const t = turnout.scrutins.find((x) => x.id === s.id);
  assert.deepEqual(s.turnout, { registered: num(t.registered, lang), votes: num(t.votes, lang),
    rate: pct(t.votes / t.registered, lang) });
  // The time is Paris time whatever the browser's zone (this one is UTC+14).
  assert.ok(s.turnoutHeading.endsWith(formatDateTime(turnout.at, lang)), s.turnoutHeading);
}

/** Clicks the button (from the keyboard) and keeps every progress line and value shown until the outcome. */
async function runVerification() {
  await page.evaluate(() => {
    window.seenProgress = [];
    const line = document.getElementById('verify-count');
    const bar = document.getElementById('verify-progress');
    const box = line.parentElement;
    new MutationObserver(() => {
      window.seenProgress.push({ text: line.textContent, value: bar.getAttribute('value'), max: bar.getAttribute('max'),
        shown: !box.hidden, live: line.getAttribute('aria-live') });
    }).observe(box, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.locator('#verify-record').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#verify-outcome.shown, #verify-refusal.shown'),
    null, { timeout: 120000 });
  return page.evaluate(() => window.seenProgress);
}

export async function setup(ctx) {
  resultsDir = ctx.resultsDir;
  for (const f of ['isoloir_verifier.mjs', 'isoloir_verifier.wasm']) {
    if (!fs.existsSync(path.join(repoDir, 'web', 'booth', 'wasm', f))) {
      throw new Error(`web/booth/wasm/${f} is missing: build the wasm target isoloir_verifier first`);
    }
  }
  board = await startBoard();
  context = await ctx.browser.newContext({ viewport: { width: 1100, height: 800 }, timezoneId: 'Pacific/Kiritimati' });
  page = await context.newPage();
  page.on('worker', (w) => workers.push(new URL(w.url()).pathname));
  await watchConsole(context, page, consoleErrors, () => where);
}

export async function teardown() {
  if (context) await context.close();
  if (board) await board.close();
}

export const tests = [
  ['/resultats in French: the counts of record.json, the shares and the turnout, axe-clean at desktop and phone widths',
    async () => {
      state.published = true;
      state.tampered = false;
      await visit('/resultats?lang=fr');
      assert.equal(await page.getAttribute('html', 'lang'), 'fr');
      assert.equal((await page.locator('#page-title').textContent()).trim(), 'Résultats');
      assert.equal(await page.title(), 'Résultats — Isoloir');
      checkShown(await readPage(), 'fr');
      // French formatting: a decimal comma and a space before "%".
      assert.match((await readPage())[0].turnout.rate, /^\d+,\d\s%$/u);
      // The record's files and the archive, to download.
      const links = await page.locator('.downloads a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'),
        a.hasAttribute('download')]));
      assert.deepEqual(links, [['/api/v1/record/record.tar.gz', true],
        ...RECORD_FILES.map((f) => [`/api/v1/record/${f}`, true])]);
      // The portal's navigation leads here.
      assert.equal(await page.locator('#site-footer a[href="/resultats"]').textContent(), 'Résultats');
      assert.equal(await page.locator('#verify-record').textContent(), 'Vérifier l’enregistrement complet');
      await audit('fr');
      await auditPhone('fr');
      assertNoErrors();
    }],

  ['in English: the same counts in English number format, axe-clean at desktop and phone widths', async () => {
    await visit('/resultats?lang=fr');
    await page.locator('#lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en' &&
      document.getElementById('page-title').textContent === 'Results');
    await settle();
    checkShown(await readPage(), 'en');
    assert.match((await readPage())[0].turnout.rate, /^\d+\.\d%$/);
    assert.equal(await page.locator('#verify-record').textContent(), 'Verify the complete record');
    await audit('en');
    await auditPhone('en');
    // Back to French for the next tests (the choice is kept in localStorage).
    await page.locator('#lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'fr');
    assertNoErrors();
  }],

  ['"Vérifier l’enregistrement complet": progress shown, then success with the election hash and the same counts',
    async () => {
      state.published = true;
      state.tampered = false;
      await visit('/resultats?lang=fr');
      workers.length = 0;
      const seen = await runVerification();
      // Off the page's thread: in the module worker.
      assert.deepEqual(workers, ['/portal/verify-worker.js']);
      const outcome = page.locator('#verify-outcome');
      assert.equal(await outcome.getAttribute('role'), 'status');
      assert.equal(await page.locator('#verified-hash').textContent(), expected.election_hash);
      assert.equal(await page.locator('#verified-counts').textContent(),
        'Les décomptes recalculés sont identiques aux résultats affichés sur cette page.');
      assert.match(await outcome.textContent(), /L’enregistrement est vérifié/);
      assert.equal(await page.locator('#verify-refusal').textContent(), '');
      // The progress was shown, politely announced, up to every ballot of the record.
      const total = `${expected.ballots} / ${expected.ballots} bulletins vérifiés`;
      const last = seen.filter((s) => s.text === total && s.shown);
      assert.ok(last.length > 0, `progress lines seen: ${JSON.stringify(seen.map((s) => s.text))}`);
      assert.ok(last.every((s) => s.live === 'polite' && s.value === String(expected.ballots) &&
        s.max === String(expected.ballots)), JSON.stringify(last));
      assert.ok(seen.some((s) => s.text === `0 / ${expected.ballots} bulletins vérifiés`));
      assert.equal(await page.locator('#verify-record').isEnabled(), true);
      await audit('verified');
      await auditPhone('verified');
      assertNoErrors();
    }],

  ['a tampered ballots.jsonl: the verification refuses the record, naming ballots.jsonl and the line', async () => {
    state.published = true;
    state.tampered = true;
    try {
      await visit('/resultats?lang=fr');
      await runVerification();
      const refusal = page.locator('#verify-refusal');
      assert.equal(await refusal.getAttribute('role'), 'alert');
      const text = await refusal.textContent();
      assert.match(text, /l’enregistrement de l’élection est refusé/);
      assert.match(text, new RegExp(`Détail : ballots\\.jsonl line ${TAMPERED_LINE}\\b`));
      assert.match(text, /Motif : [a-z_]+/);
      assert.equal(await page.locator('#verify-outcome').textContent(), '');
      await audit('refused');
      assertNoErrors();
    } finally {
      state.tampered = false;
    }
  }],

  ['before the count (404 not_published): "not yet published", and the turnout still shown', async () => {
    state.published = false;
    try {
      await visit('/resultats?lang=fr');
      assert.equal(await page.locator('#not-published').textContent(),
        'Les résultats ne sont pas encore publiés. La participation ci-dessous est mise à jour pendant le vote.');
      const shown = await readPage();
      assert.deepEqual(shown.map((s) => s.id), manifest.scrutins.map((s) => s.id));
      for (const s of shown) {
        assert.equal(s.rows, null, 'no results table before the count');
        assert.deepEqual(s.chart, []);
        checkTurnout(s, 'fr');
      }
      assert.equal(await page.locator('#verify-record').count(), 0);
      await audit('not-published');
      await auditPhone('not-published');
      assertNoErrors();
    } finally {
      state.published = true;
    }
  }],

  ['during the vote (the record answers 409 not_closed): the titles from the board, the turnout, nothing published',
    async () => {
      state.closed = false;
      try {
        await visit('/resultats?lang=fr');
        assert.match(await page.locator('#not-published').textContent(), /^Les résultats ne sont pas encore publiés\./);
        const shown = await readPage();
        assert.deepEqual(shown.map((s) => s.title), manifest.scrutins.map((s) => s.title));
        for (const s of shown) {
          assert.equal(s.rows, null);
          checkTurnout(s, 'fr');
        }
        assert.equal(await page.locator('.downloads').count(), 0);
        await audit('not-closed');
        assertNoErrors();
      } finally {
        state.closed = true;
      }
    }],

  ['results shown that are not the record\'s: the verification says the recomputed counts differ', async () => {
    // The page's own results.json lies; the worker then fetches the record's.
    state.lies = 1;
    try {
      await visit('/resultats?lang=fr');
      const first = manifest.scrutins[0].id;
      const rows = (await readPage())[0].rows;
      const want = expected.results[first];
      assert.equal(rows[0].count, num(want[rows[1].option], 'fr')); // the lie is on the page
      await runVerification();
      const text = await page.locator('#verify-refusal').textContent();
      assert.equal(text, `ALERTE : les décomptes recalculés diffèrent des résultats affichés sur cette page (scrutins : ${first}).`);
      assert.equal(await page.locator('#verify-outcome').textContent(), '');
      assertNoErrors();
    } finally {
      state.lies = 0;
    }
  }],
];
