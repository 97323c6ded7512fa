// The <isoloir-booth> widget (web/booth/widget.js) in Chromium against a real
// election (startUrn: isoloir-server, voters with fresh codes). The pages are
// served by isoloir-server itself, under its strict CSP, from a web root of
// this test's own: portal/index.html is a bare host page (no portal), booth/
// a copy of web/booth. The whole journey: login, a mistyped code and another
// voter's code refused before anything is sent, the scrutin list with its
// countdowns on the server's clock, the choice disabled until activated,
// confirmation, the vote, the receipt with both downloads verified in Node,
// an already-voted scrutin, a 409, an expired session, 15 minutes idle,
// elections closed and not open yet, English, a wrong election hash. Every
// step is screenshot to test-results/widget-*.png and checked with axe-core.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBooth } from '../../web/booth/index.js';
import { formatDateTime } from '../../web/booth/i18n.js';
import { repoDir, sha256b64url } from '../js/support.mjs';
import { startUrn } from './urn.mjs';

const HOST_PAGE = `<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Isoloir — widget</title>
  <link rel="icon" href="data:,">
  <script type="module" src="/portal/host.js"></script>
</head>
<body>
  <main>
    <h1>Élections professionnelles — test du widget</h1>
    <div id="slot"></div>
  </main>
</body>
</html>
`;

// The host page's script: the element's attributes from the query string,
// and every event the widget sends kept for the test.
const HOST_SCRIPT = `const q = new URLSearchParams(location.search);
window.__events = [];
for (const type of ['isoloir-cast', 'isoloir-error']) {
  document.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail }));
}
const booth = document.createElement('isoloir-booth');
for (const name of ['election', 'lang', 'login-href']) {
  if (q.has(name)) booth.setAttribute(name, q.get(name));
}
document.getElementById('slot').append(booth);
await import('/booth/widget.js');
`;

/** A web root for isoloir-server: the host page and a copy of web/booth. */
export function makeWebRoot() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-widget-web-'));
  fs.mkdirSync(path.join(root, 'portal'));
  fs.writeFileSync(path.join(root, 'portal', 'index.html'), HOST_PAGE);
  fs.writeFileSync(path.join(root, 'portal', 'host.js'), HOST_SCRIPT);
  // A copy, not a symlink: the server lists files relative to its web root.
  fs.cpSync(path.join(repoDir, 'web', 'booth'), path.join(root, 'booth'), { recursive: true });
  return root;
}

/**
 * What a page did: its requests (method, URL, body, headers: the code must
 * be in none), page errors, CSP violations and console errors. `unexpected()`
 * leaves out Chromium's "Failed to load resource" for the API's refusals
 * the tests provoke (401 without a session, 403 pow_required, 409 already voted).
 */
export function watchPage(page) {
  const w = { requests: [], pageErrors: [], csp: [], consoleErrors: [] };
  page.on('request', (r) => w.requests.push(`${r.method()} ${r.url()} ${r.postData() || ''} ${JSON.stringify(r.headers())}`));
  page.on('pageerror', (e) => w.pageErrors.push(String(e)));
  page.on('console', (m) => {
    const text = m.text();
    if (/Content Security Policy|Content-Security-Policy/i.test(text)) w.csp.push(text);
    else if (m.type() === 'error') w.consoleErrors.push({ text, url: m.location().url || '' });
  });
  w.unexpected = () => w.consoleErrors
    .filter((e) => !(/^Failed to load resource: the server responded with a status of (401|403|409)\b/.test(e.text)
      && /\/api\/v1\//.test(e.url)))
    .map((e) => `${e.text} ${e.url}`);
  return w;
}

/** axe-core's script (a devDependency of the repo); '' when it is not installed. */
export function axeSource() {
  const file = path.join(repoDir, 'node_modules', 'axe-core', 'axe.min.js');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/** Runs axe-core on the whole page: its serious and critical violations. */
export async function checkAxe(page, source) {
  // Evaluated through the DevTools protocol: the page's CSP does not apply.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(source);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return {
    violations: result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).join(', ') })),
  };
}

const state = { urn: null, webRoot: '', others: [], contexts: [], watches: [], axe: '', axeResults: [] };
let booth;
const shot = (page, resultsDir, name) => page.screenshot({ path: path.join(resultsDir, `widget-${name}.png`), fullPage: true });

async function openPage(browser, query = '', { urn = state.urn, clock, watch = true, before } = {}) {
  // A browser in California: the dates shown must still be Paris time.
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, acceptDownloads: true,
    timezoneId: 'America/Los_Angeles' });
  state.contexts.push(context);
  if (clock) await context.clock.install({ time: clock });
  const page = await context.newPage();
  if (watch) state.watches.push(watchPage(page));
  if (before) await before(page);
  await page.goto(`${urn.url}/vote${query}`);
  return page;
}

const heading = (page, name) => page.getByRole('heading', { name, exact: true });
const message = (page) => page.locator('isoloir-booth .ib-message');
const focusedText = (page) => page.evaluate(() => document.activeElement && document.activeElement.textContent);
const events = (page) => page.evaluate(() => window.__events);

async function login(page, voter) {
  await heading(page, 'Connexion').waitFor();
  await page.getByLabel('Identifiant (adresse électronique professionnelle)').fill(voter.identifier);
  await page.getByLabel('Mot de passe').fill(voter.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

async function enterCode(page, code) {
  await heading(page, 'Saisissez votre code de vote').waitFor();
  await page.getByLabel('Code de vote').fill(code);
  await page.getByRole('button', { name: 'Valider mon code' }).click();
}

async function axeStep(page, step) {
  if (!state.axe) return;
  state.axeResults.push({ step, ...(await checkAxe(page, state.axe)) });
}

// Casts in `scrutin` with the mouse, from the list to the receipt.
async function vote(page, scrutin, option) {
  const title = state.urn.manifest.scrutins.find((s) => s.id === scrutin).title;
  await page.getByRole('button', { name: `Voter ${title}` }).click();
  await heading(page, 'Constitution du bulletin').waitFor();
  await page.getByRole('button', { name: "Je veux voter, j'active la sélection de mon choix de vote" }).click();
  await page.locator(`isoloir-booth input[value="${option}"]`).check();
  await page.getByRole('button', { name: 'Valider mon choix' }).click();
  await heading(page, 'Confirmation de votre vote').waitFor();
  await page.getByRole('button', { name: 'Je vote' }).click();
}

// Presses Tab until the focused element's text matches `re` (keyboard only).
async function tabTo(page, re, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const text = await page.evaluate(() => {
      const a = document.activeElement;
      return a ? `${a.tagName} ${a.getAttribute('value') || ''} ${a.textContent}` : '';
    });
    if (re.test(text)) return;
  }
  throw new Error(`Tab never reached ${re}`);
}

async function readDownload(page, click) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: download.suggestedFilename(), text: fs.readFileSync(await download.path(), 'utf8') };
}

export async function setup({ browser }) {
  booth = await loadBooth();
  state.webRoot = makeWebRoot();
  state.urn = await startUrn({ voters: 3, webRoot: state.webRoot });
  for (let i = 0; i < 3; i++) await state.urn.activate(i);
  state.axe = axeSource();
  state.page = await openPage(browser);
}

export async function teardown() {
  for (const c of state.contexts) await c.close().catch(() => {});
  for (const urn of [state.urn, ...state.others]) {
    if (!urn) continue;
    await urn.stop();
    urn.cleanup();
  }
  if (state.webRoot) fs.rmSync(state.webRoot, { recursive: true, force: true });
}

export const tests = [
  ['without a session the widget asks to log in, and says why a login is refused', async ({ resultsDir }) => {
    const { page, urn } = { page: state.page, urn: state.urn };
    await heading(page, 'Connexion').waitFor();
    await axeStep(page, 'login');
    await page.getByLabel('Identifiant (adresse électronique professionnelle)').fill(urn.voters[0].identifier);
    await page.getByLabel('Mot de passe').fill('Wrong-Password-1!');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await message(page).filter({ hasText: 'Identifiant ou mot de passe incorrect.' }).waitFor();
    assert.equal(await message(page).getAttribute('aria-live'), 'assertive');
    await shot(page, resultsDir, '0-login');
    assert.deepEqual((await events(page)).map((e) => e.detail.reason), ['bad_login']);
  }],

  ['after login, step 1 asks for the code, its heading focused', async () => {
    const page = state.page;
    await login(page, state.urn.voters[0]);
    await heading(page, 'Saisissez votre code de vote').waitFor();
    assert.equal(await focusedText(page), 'Saisissez votre code de vote');
    assert.match(await page.locator('isoloir-booth .ib-toolbar').textContent(), /Connecté\(e\) : Jeanne Dupont/);
    assert.equal(await page.locator('isoloir-booth .ib-step--current').textContent(), 'Étape 1 sur 5 : Code de vote');
  }],

  ['a mistyped code is refused by the module, before anything is sent', async ({ resultsDir }) => {
    const page = state.page;
    const watch = state.watches[0];
    const sent = watch.requests.length;
    const good = state.urn.voters[0].code;
    // the last symbol (the check symbol) mistyped: always caught
    const typo = good.slice(0, -1) + (good.endsWith('0') ? '1' : '0');
    await enterCode(page, typo);
    await message(page).filter({ hasText: 'Ce code de vote n\'est pas valide' }).waitFor();
    assert.equal(await page.getByLabel('Code de vote').getAttribute('aria-invalid'), 'true');
    assert.equal(watch.requests.length, sent, `no request: ${watch.requests.slice(sent).join(', ')}`);
    await axeStep(page, 'code, refused');
    await shot(page, resultsDir, '1-code-typo');
  }],

  ['another voter\'s valid code is refused as not this voter\'s (wrong_code), nothing sent', async ({ resultsDir }) => {
    const page = state.page;
    const watch = state.watches[0];
    const sent = watch.requests.length;
    await enterCode(page, state.urn.voters[1].code);
    await message(page).filter({ hasText: 'Ce code de vote ne correspond pas à votre compte' }).waitFor();
    assert.equal(watch.requests.length, sent);
    assert.deepEqual((await events(page)).map((e) => e.detail.reason), ['bad_login', 'bad_vote_code', 'wrong_code']);
    await shot(page, resultsDir, '1-code-wrong');
  }],

  ['the right code (any case, spaces) opens the list: status, countdowns and dates in Paris time', async ({ resultsDir }) => {
    const page = state.page;
    const { manifest, voters } = state.urn;
    // typed in lower case with spaces instead of dashes: the module normalises it
    await enterCode(page, voters[0].code.toLowerCase().replace(/-/g, ' '));
    await heading(page, 'Choix du scrutin').waitFor();
    assert.equal(await focusedText(page), 'Choix du scrutin');
    const items = page.locator('isoloir-booth .ib-scrutin');
    assert.equal(await items.count(), manifest.scrutins.length);
    const closes = formatDateTime(manifest.closes_at, 'fr');
    for (let i = 0; i < manifest.scrutins.length; i++) {
      const text = await items.nth(i).textContent();
      assert.ok(text.includes(manifest.scrutins[i].title), text);
      assert.ok(text.includes('À voter'), text);
      // 8 days from now, minus the seconds the test has run: rounded up to whole minutes
      assert.match(text, /Clôture dans (8 j 0 h 0 min|7 j 23 h 5\d min)/);
      assert.ok(text.includes(`le ${closes}`), `${text} / ${closes}`);
    }
    assert.equal(await page.getByLabel('Code de vote').count(), 0);
    await axeStep(page, 'list');
    await shot(page, resultsDir, '2-list');
  }],

  ['the code is in no attribute, storage, URL or request', async () => {
    const page = state.page;
    const code = state.urn.voters[0].code;
    const normal = booth.normalizeCode(code);
    const found = await page.evaluate(([a, b]) => {
      const hay = [document.documentElement.outerHTML, location.href, JSON.stringify({ ...localStorage }),
        JSON.stringify({ ...sessionStorage }), document.cookie, ...[...document.querySelectorAll('input')].map((i) => i.value)];
      return hay.filter((h) => h.toUpperCase().includes(a) || h.toUpperCase().includes(b));
    }, [code, normal]);
    assert.deepEqual(found, []);
    for (const r of state.watches[0].requests) {
      assert.ok(!r.toUpperCase().includes(normal) && !r.toUpperCase().includes(code), r);
    }
    assert.equal(await page.locator('isoloir-booth').evaluate((e) => e.codeHeld), true);
  }],

  ['the choice is disabled until "Je veux voter, j\'active la sélection de mon choix de vote"', async ({ resultsDir }) => {
    const page = state.page;
    const scrutin = state.urn.manifest.scrutins[0];
    await page.getByRole('button', { name: `Voter ${scrutin.title}` }).click();
    await heading(page, 'Constitution du bulletin').waitFor();
    assert.equal(await focusedText(page), 'Constitution du bulletin');
    const radios = page.locator('isoloir-booth fieldset input[type=radio]');
    assert.equal(await radios.count(), scrutin.options.length);
    for (let i = 0; i < scrutin.options.length; i++) assert.equal(await radios.nth(i).isDisabled(), true);
    assert.match(await page.locator('isoloir-booth fieldset legend').textContent(), /choisissez une liste ou le vote blanc/);
    // each list's profession de foi opens in a new tab without an opener
    const links = page.getByRole('link', { name: /Profession de foi/ });
    assert.equal(await links.count(), scrutin.options.filter((o) => o.profession_de_foi).length);
    assert.equal(await links.first().getAttribute('target'), '_blank');
    assert.equal(await links.first().getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await links.first().getAttribute('href'), scrutin.options[0].profession_de_foi);
    // "Valider" before activating: refused with a message
    await page.getByRole('button', { name: 'Valider mon choix' }).click();
    await message(page).filter({ hasText: 'Activez d’abord' }).waitFor();
    await axeStep(page, 'ballot, disabled');
    await shot(page, resultsDir, '3-ballot-disabled');
    // a phone's width: the options wrap, nothing is cut
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, resultsDir, '3-ballot-phone');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no horizontal scroll');
    await page.setViewportSize({ width: 1000, height: 900 });
    // activated with the keyboard: focus goes to the first choice
    await page.getByRole('button', { name: "Je veux voter, j'active la sélection de mon choix de vote" }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await radios.first().isDisabled(), false);
    assert.equal(await page.evaluate(() => document.activeElement.value), scrutin.options[0].id);
    await page.getByRole('button', { name: 'Valider mon choix' }).click();
    await message(page).filter({ hasText: 'Choisissez une liste ou le vote blanc.' }).waitFor();
    await axeStep(page, 'ballot, enabled');
  }],

  ['confirmation: "Retour" keeps the choice, "Je vote" casts; the receipt shows the equal references', async ({ resultsDir }) => {
    const page = state.page;
    const scrutin = state.urn.manifest.scrutins[0];
    await page.locator('isoloir-booth input[value="unsa"]').check();
    await shot(page, resultsDir, '3-ballot-chosen');
    await page.getByRole('button', { name: 'Valider mon choix' }).click();
    await heading(page, 'Confirmation de votre vote').waitFor();
    assert.match(await page.locator('isoloir-booth .ib-chosen').textContent(), /UNSA Éducation/);
    assert.match(await page.locator('isoloir-booth .ib-warning').textContent(), /définitif/);
    await page.getByRole('button', { name: 'Retour' }).click();
    await heading(page, 'Constitution du bulletin').waitFor();
    assert.equal(await page.locator('isoloir-booth input[value="unsa"]').isChecked(), true);
    assert.equal(await page.locator('isoloir-booth input[value="unsa"]').isDisabled(), false);
    await page.getByRole('button', { name: 'Valider mon choix' }).click();
    await heading(page, 'Confirmation de votre vote').waitFor();
    await axeStep(page, 'confirm');
    await shot(page, resultsDir, '4-confirm');

    const castAnswer = page.waitForResponse((r) => r.url().endsWith('/api/v1/ballots'));
    await page.getByRole('button', { name: 'Je vote' }).click();
    const response = await castAnswer;
    assert.equal(response.status(), 201);
    const ballot = response.request().postData();
    const answer = await response.json();
    await heading(page, 'Accusé de réception').waitFor();
    assert.equal(await focusedText(page), 'Accusé de réception');
    const shown = await page.locator('isoloir-booth .ib-reference').textContent();
    assert.equal(shown, answer.reference);
    assert.equal(shown, sha256b64url(ballot));
    assert.deepEqual(booth.verifyBallot(state.urn.manifestText, ballot), { ok: true, reference: shown });
    assert.equal(await page.locator('isoloir-booth [role=alert]').count(), 0);
    const oks = await page.locator('isoloir-booth .ib-ok').allTextContents();
    assert.equal(oks.length, 2, oks.join(' | '));
    const time = booth.verifyReceipt(state.urn.manifestText, answer.deposit).time;
    assert.equal(await page.locator('isoloir-booth .ib-receipt-time').textContent(), formatDateTime(time, 'fr'));
    const cast = (await events(page)).filter((e) => e.type === 'isoloir-cast');
    assert.deepEqual(cast.map((e) => e.detail), [{ scrutin: scrutin.id, reference: shown }]);
    state.cast = { scrutin: scrutin.id, reference: shown, answer };
    await axeStep(page, 'receipt');
    await shot(page, resultsDir, '5-receipt');
  }],

  ['both downloads carry the server\'s signed bytes, and verify with the booth in Node', async () => {
    const page = state.page;
    const { scrutin, reference, answer } = state.cast;
    const deposit = await readDownload(page, () => page.getByRole('button', { name: 'Télécharger ma preuve de dépôt' }).click());
    assert.equal(deposit.name, `preuve-de-depot-${scrutin}.json`);
    assert.equal(deposit.text, answer.deposit);
    const d = booth.verifyReceipt(state.urn.manifestText, deposit.text);
    assert.equal(d.ok, true, JSON.stringify(d));
    assert.deepEqual([d.kind, d.scrutin, d.reference], ['deposit', scrutin, reference]);
    const emargement = await readDownload(page, () => page.getByRole('button', { name: 'Télécharger mon émargement' }).click());
    assert.equal(emargement.name, `emargement-${scrutin}.json`);
    const e = booth.verifyReceipt(state.urn.manifestText, emargement.text);
    assert.equal(e.ok, true, JSON.stringify(e));
    assert.deepEqual([e.kind, e.scrutin], ['emargement', scrutin]);
  }],

  ['back on the list the scrutin is "voté", cannot be opened again; its émargement downloads again', async ({ resultsDir }) => {
    const page = state.page;
    const { scrutin } = state.cast;
    await page.getByRole('button', { name: 'Retour à la liste des scrutins' }).click();
    await heading(page, 'Choix du scrutin').waitFor();
    const item = page.locator(`isoloir-booth [data-scrutin="${scrutin}"]`);
    assert.match(await item.textContent(), /Voté le /);
    assert.equal(await item.getByRole('button', { name: /^Voter/ }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Télécharger ma preuve de dépôt' }).count(), 0);
    const again = await readDownload(page, () => item.getByRole('button', { name: /Télécharger mon émargement/ }).click());
    assert.equal(again.name, `emargement-${scrutin}.json`);
    assert.equal(booth.verifyReceipt(state.urn.manifestText, again.text).ok, true);
    await shot(page, resultsDir, '2-list-voted');
  }],

  ['the whole vote with the keyboard alone', async () => {
    const page = state.page;
    const scrutin = state.urn.manifest.scrutins[1];
    await page.locator('isoloir-booth .ib-title').focus();
    await tabTo(page, new RegExp(`^BUTTON\\s+Voter ${scrutin.title}`));
    await page.keyboard.press('Enter');
    await heading(page, 'Constitution du bulletin').waitFor();
    await tabTo(page, /^BUTTON\s+Je veux voter/);
    await page.keyboard.press('Space');
    // focus is on the first option; arrows move the choice within the group
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement.value), scrutin.options[1].id);
    await tabTo(page, /^BUTTON\s+Valider mon choix/);
    await page.keyboard.press('Enter');
    await heading(page, 'Confirmation de votre vote').waitFor();
    assert.match(await page.locator('isoloir-booth .ib-chosen').textContent(), new RegExp(scrutin.options[1].label));
    await tabTo(page, /^BUTTON\s+Je vote/);
    await page.keyboard.press('Enter');
    await heading(page, 'Accusé de réception').waitFor();
    assert.equal(await page.locator('isoloir-booth [role=alert]').count(), 0);
    await tabTo(page, /^BUTTON\s+Retour à la liste/);
    await page.keyboard.press('Enter');
    await heading(page, 'Choix du scrutin').waitFor();
  }],

  ['a vote refused by the server (409 already_voted from a stale page) is said, and the list updated', async ({ browser, resultsDir }) => {
    const page = state.page;
    const scrutin = state.urn.manifest.scrutins[2];
    // A second tab of the same voter, its list drawn before the vote below
    const context = page.context();
    const other = await context.newPage();
    state.watches.push(watchPage(other));
    await other.goto(`${state.urn.url}/vote`);
    await enterCode(other, state.urn.voters[0].code);
    await heading(other, 'Choix du scrutin').waitFor();
    await vote(page, scrutin.id, 'fsu');
    await heading(page, 'Accusé de réception').waitFor();
    await vote(other, scrutin.id, 'blank');
    await heading(other, 'Choix du scrutin').waitFor();
    await message(other).filter({ hasText: 'Vous avez déjà voté pour ce scrutin' }).waitFor();
    assert.match(await other.locator(`isoloir-booth [data-scrutin="${scrutin.id}"]`).textContent(), /Voté le /);
    assert.ok((await events(other)).some((e) => e.detail.reason === 'already_voted'));
    await shot(other, resultsDir, '2-list-409');
    await other.close();
    void browser;
  }],

  ['every scrutin voted: the code is forgotten and the list says so', async ({ resultsDir }) => {
    const page = state.page;
    await page.getByRole('button', { name: 'Retour à la liste des scrutins' }).click();
    await heading(page, 'Choix du scrutin').waitFor();
    assert.match(await page.locator('isoloir-booth .ib-done').textContent(), /Vous avez voté à tous vos scrutins/);
    assert.equal(await page.locator('isoloir-booth').evaluate((e) => e.codeHeld), false);
    assert.equal(await page.getByRole('button', { name: /^Voter/ }).count(), 0);
    await shot(page, resultsDir, '2-list-all-voted');
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await heading(page, 'Connexion').waitFor();
    await message(page).filter({ hasText: 'Vous êtes déconnecté(e).' }).waitFor();
  }],

  ['countdowns follow the server\'s clock (device 3 h late), tick every 30 s; 15 min idle forgets the code', async ({ browser, resultsDir }) => {
    const lateClock = Date.now() - 3 * 3600 * 1000;
    const page = await openPage(browser, '', { clock: lateClock });
    await login(page, state.urn.voters[2]);
    await enterCode(page, state.urn.voters[2].code);
    await heading(page, 'Choix du scrutin').waitFor();
    const when = page.locator('isoloir-booth .ib-when').first();
    const before = await when.textContent();
    assert.match(before, /Clôture dans (8 j 0 h 0 min|7 j 23 h 5\d min)/, 'counted from the server\'s now, not the device\'s');
    await page.clock.fastForward('10:00');
    const after = await when.textContent();
    assert.match(after, /Clôture dans 7 j 23 h (4\d|50) min/);
    assert.equal(await page.locator('isoloir-booth').evaluate((e) => e.codeHeld), true);
    await page.clock.fastForward('05:30');
    await heading(page, 'Saisissez votre code de vote').waitFor();
    await message(page).filter({ hasText: 'effacé après 15 minutes d’inactivité' }).waitFor();
    assert.equal(await page.locator('isoloir-booth').evaluate((e) => e.codeHeld), false);
    await shot(page, resultsDir, '1-code-idle');
    state.idlePage = page;
  }],

  ['a session that has ended sends the voter back to login, code forgotten, nothing cast', async ({ resultsDir }) => {
    const page = state.idlePage;
    const scrutin = state.urn.manifest.scrutins[0];
    await enterCode(page, state.urn.voters[2].code);
    await heading(page, 'Choix du scrutin').waitFor();
    await page.context().clearCookies();
    const castAnswer = page.waitForResponse((r) => r.url().endsWith('/api/v1/ballots'));
    await vote(page, scrutin.id, 'fo');
    assert.equal((await castAnswer).status(), 401);
    await heading(page, 'Connexion').waitFor();
    await message(page).filter({ hasText: 'Votre session a expiré' }).waitFor();
    assert.equal(await page.locator('isoloir-booth').evaluate((e) => e.codeHeld), false);
    await shot(page, resultsDir, '0-login-expired');
    // logged in again: nothing was recorded, the scrutin is still to vote
    await login(page, state.urn.voters[2]);
    await enterCode(page, state.urn.voters[2].code);
    await heading(page, 'Choix du scrutin').waitFor();
    assert.match(await page.locator(`isoloir-booth [data-scrutin="${scrutin.id}"]`).textContent(), /À voter/);
    // "Quitter le vote": the code is forgotten at once
    await page.getByRole('button', { name: 'Quitter le vote (effacer mon code)' }).click();
    await heading(page, 'Saisissez votre code de vote').waitFor();
    await message(page).filter({ hasText: 'Votre code de vote a été effacé.' }).waitFor();
    assert.equal(await page.locator('isoloir-booth').evaluate((e) => e.codeHeld), false);
  }],

  ['a server that cannot be reached at load: the reason and "Réessayer", which then works', async ({ browser }) => {
    let refused = 0;
    // The first manifest request fails as a network error would (Chromium
    // logs it: this page is not watched for console errors).
    const page = await openPage(browser, '', {
      watch: false,
      before: (p) => p.route('**/api/v1/board/manifest', (route) => (refused++ ? route.continue() : route.abort())),
    });
    const failure = page.locator('isoloir-booth [role=alert]');
    await failure.waitFor();
    assert.equal(await failure.textContent(), 'L’isoloir n’a pas pu se charger (network_error).');
    await page.getByRole('button', { name: 'Réessayer' }).click();
    await heading(page, 'Connexion').waitFor();
    assert.equal(await focusedText(page), 'Connexion');
    assert.equal(refused, 2);
    state.retryPage = page;
  }],

  ['a cast answer whose reference is not the browser\'s raises the alarm (role=alert), never hidden', async ({ resultsDir }) => {
    const page = state.retryPage;
    const scrutin = state.urn.manifest.scrutins[0];
    // A server (or something in between) that answers another reference
    await page.route('**/api/v1/ballots', async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      await route.fulfill({ response, json: { ...json, reference: 'A'.repeat(43) } });
    });
    await login(page, state.urn.voters[1]);
    await enterCode(page, state.urn.voters[1].code);
    await heading(page, 'Choix du scrutin').waitFor();
    await vote(page, scrutin.id, 'cgt');
    await heading(page, 'Accusé de réception').waitFor();
    const alarm = page.locator('isoloir-booth [role=alert]');
    assert.equal(await alarm.count(), 1);
    const text = await alarm.textContent();
    assert.match(text, /Alerte : le dépôt de votre bulletin n’a pas pu être vérifié/);
    assert.ok(text.includes(`La référence enregistrée par l’urne (${'A'.repeat(43)}) diffère`), text);
    assert.ok(text.includes('contactez l’assistance'), text);
    // no "identical" line; both documents can still be downloaded, as evidence
    assert.equal(await page.locator('isoloir-booth .ib-ok').filter({ hasText: 'identique' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Télécharger ma preuve de dépôt' }).count(), 1);
    const reasons = (await events(page)).map((e) => `${e.type} ${e.detail.reason || ''}`);
    // (the first is the load failure of the test before, on this page)
    assert.deepEqual(reasons, ['isoloir-error network_error', 'isoloir-cast ', 'isoloir-error reference_mismatch']);
    await shot(page, resultsDir, '5-receipt-alarm');
  }],

  ['leaving the page\'s flow (the element removed) forgets the code; back, it asks for it again', async () => {
    const page = state.retryPage;
    const booth = page.locator('isoloir-booth');
    assert.equal(await booth.evaluate((e) => e.codeHeld), true);
    await page.evaluate(() => {
      const e = document.querySelector('isoloir-booth');
      const parent = e.parentNode;
      e.remove();
      window.__heldAfterRemove = e.codeHeld;
      parent.append(e);
    });
    assert.equal(await page.evaluate(() => window.__heldAfterRemove), false);
    await heading(page, 'Saisissez votre code de vote').waitFor();
    assert.equal(await booth.evaluate((e) => e.codeHeld), false);
  }],

  ['an election whose window has closed shows "Clos" and offers no choice (no code asked)', async ({ browser, resultsDir }) => {
    const urn = await startUrn({ voters: 1, opensIn: -9 * 86400, closesIn: -3600, webRoot: state.webRoot });
    state.others.push(urn);
    await urn.activate(0);
    const page = await openPage(browser, '', { urn });
    await login(page, urn.voters[0]);
    await heading(page, 'Choix du scrutin').waitFor();
    assert.match(await page.locator('isoloir-booth .ib-note').first().textContent(), /Aucun de vos scrutins n’est ouvert/);
    const texts = await page.locator('isoloir-booth .ib-scrutin').allTextContents();
    assert.equal(texts.length, urn.manifest.scrutins.length);
    for (const t of texts) assert.match(t, /Clos.*Clos depuis le /);
    assert.equal(await page.getByRole('button', { name: /^Voter/ }).count(), 0);
    assert.equal(await page.locator('isoloir-booth input').count(), 0);
    await axeStep(page, 'list, closed');
    await shot(page, resultsDir, '2-list-closed');
  }],

  ['with a proof of work on logins, the login solves it; an election not open yet counts down', async ({ browser, resultsDir }) => {
    const urn = await startUrn({ voters: 1, opensIn: 2 * 86400 + 3 * 3600, closesIn: 10 * 86400, webRoot: state.webRoot });
    state.others.push(urn);
    await urn.activate(0); // urn.mjs activates without a proof of work: turn it on after
    const configFile = path.join(urn.dir, 'server.json');
    fs.writeFileSync(configFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(configFile, 'utf8')), pow_difficulty: 12 }));
    await urn.restart();
    const page = await openPage(browser, '', { urn });
    const sessions = [];
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/v1/session' || u.pathname === '/api/v1/pow') {
        sessions.push(`${r.request().method()} ${u.pathname}${u.search} ${r.status()}`);
      }
    });
    await login(page, urn.voters[0]);
    await heading(page, 'Choix du scrutin').waitFor();
    assert.deepEqual(sessions.slice(1), ['POST /api/v1/session 403', 'GET /api/v1/pow?purpose=login 200',
      'POST /api/v1/session 201', 'GET /api/v1/session 200']);
    const text = await page.locator('isoloir-booth .ib-scrutin').first().textContent();
    assert.match(text, /Pas encore ouvert/);
    assert.match(text, /Ouverture dans (2 j 3 h 0 min|2 j 2 h 5\d min), le /);
    assert.ok(text.includes(formatDateTime(urn.manifest.opens_at, 'fr')), text);
    assert.equal(await page.getByRole('button', { name: /^Voter/ }).count(), 0);
    await shot(page, resultsDir, '2-list-not-open');
  }],

  ['in English with lang="en" (switched in place, typed text kept); with login-href a link, not a form', async ({ browser, resultsDir }) => {
    const page = await openPage(browser, '?lang=en&login-href=/');
    await heading(page, 'Log in').waitFor();
    const link = page.getByRole('link', { name: 'Log in on the portal' });
    assert.equal(await link.getAttribute('href'), '/');
    assert.equal(await page.getByLabel('Password').count(), 0);
    // the language changes in place; what was typed stays
    const form = await openPage(browser);
    await heading(form, 'Connexion').waitFor();
    await form.getByLabel('Identifiant (adresse électronique professionnelle)').fill('agent9@ac-test.fr');
    await form.locator('isoloir-booth').evaluate((e) => e.setAttribute('lang', 'en'));
    await heading(form, 'Log in').waitFor();
    assert.equal(await form.getByLabel('Identifier (work e-mail address)').inputValue(), 'agent9@ac-test.fr');
    await shot(form, resultsDir, '0-login-en');
  }],

  ['a manifest that is not the expected election raises an alarm and nothing runs', async ({ browser, resultsDir }) => {
    const wrong = 'A'.repeat(43);
    const page = await openPage(browser, `?election=${wrong}`);
    const alarm = page.locator('isoloir-booth [role=alert]');
    await alarm.waitFor();
    assert.match(await alarm.textContent(), /n’est pas celle que cette page attend/);
    assert.deepEqual((await events(page)).map((e) => e.detail.reason), ['wrong_election']);
    assert.equal(await page.getByLabel('Mot de passe').count(), 0);
    await shot(page, resultsDir, 'alarm-election');
    // the right hash runs as usual
    const right = await openPage(browser, `?election=${state.urn.electionHash}`);
    await heading(right, 'Connexion').waitFor();
  }],

  ['axe-core finds no serious or critical violation at any step', () => {
    assert.ok(state.axe, 'axe-core is not installed: npm ci at the repo root (scripts/setup.sh)');
    const bad = state.axeResults.flatMap((r) => r.violations.map((v) => `${r.step}: ${v.id} (${v.impact}) ${v.nodes}`));
    assert.deepEqual(bad, []);
    assert.ok(state.axeResults.length >= 8, `${state.axeResults.length} steps checked`);
  }],

  ['no page error, no CSP violation, no console error but the expected refusals', () => {
    for (const w of state.watches) {
      assert.deepEqual(w.pageErrors, []);
      assert.deepEqual(w.csp, []);
      assert.deepEqual(w.unexpected(), []);
    }
  }],
];
