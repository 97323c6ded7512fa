// The voter portal (web/portal/) in Chromium against the real isoloir-server
// (startUrn: a real election, voters, mail in an outbox): activation from
// the mailed link with the live password feedback, login, the home menu,
// Mes informations with the émargement downloaded and verified, the
// electoral lists, a réclamation, the practical information, the /vote page
// and its <isoloir-booth>, the language switch, a password reset, logout,
// the public /verifier page (a ballot cast in this test found and its proof
// verified in the page; an unknown reference; a tampered proof raising the
// alarm), and the whole login-and-navigate done with the keyboard alone.
//
// On every page: axe-core finds no serious or critical violation, and the
// page logs no error and no CSP violation (the only console errors allowed
// are the browser's own lines for the API's documented 4xx answers this test
// provokes, e.g. 401 on GET /api/v1/session while logged out). Screenshots:
// test-results/portal-*.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadBooth } from '../../web/booth/index.js';
import { formatDateTime } from '../../web/booth/i18n.js';
import { unexpectedConsoleErrors } from './page-server.mjs';
import { adminBin, startUrn } from './urn.mjs';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const PASSWORD = 'Correct-Horse-42!';
const NEW_PASSWORD = 'Nouveau mot de passe 2026 !';
const RESET_URL = '/mot-de-passe';

let urn;
let booth;
let context;
let page;
let resultsDir;
let repoDir;
let voter; // agent0, activated and logged in through the pages
let cast; // {reference, log_index} of a ballot cast over the API
const consoleErrors = []; // {where, text, url}
const axeReport = []; // {name, violations: [{id, impact, nodes}]}
let where = '';

// Console errors the test provokes on purpose (the browser logs every 4xx
// answer of fetch): [status, path pattern].
const EXPECTED_HTTP = [
  [401, /^\/api\/v1\/session$/], // logged out: GET /api/v1/session; a wrong password
  [429, /^\/api\/v1\/session$/], // the throttle's answer this test fakes
  [400, /^\/api\/v1\/account\/activate$/], // the weak_password answer this test fakes
  [400, /^\/api\/v1\/account\/link-status$/], // a malformed token
  [410, /^\/api\/v1\/account\/link-status$/], // a used link
  [404, /^\/api\/v1\/board\/ballots\/A{43}$/], // the unknown reference
];

// The proof of work's requests seen (GET /api/v1/pow, and the bodies that
// carry its answer): [{method, path, purpose, body}].
const powSeen = [];

function watch(p, label) {
  p.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/v1/pow' || /^\/api\/v1\/(session|account\/(activation|password)-link)$/.test(u.pathname)) {
      let body = null;
      try {
        body = r.postData() ? JSON.parse(r.postData()) : null;
      } catch {
        body = null;
      }
      powSeen.push({ method: r.method(), path: u.pathname, purpose: u.searchParams.get('purpose'), body });
    }
  });
  p.on('console', (m) => {
    if (m.type() !== 'error' && !/Content Security Policy|Refused to/i.test(m.text())) return;
    consoleErrors.push({ where: `${label} ${where}`, text: m.text(), url: m.location().url || '' });
  });
  p.on('pageerror', (e) => consoleErrors.push({ where: `${label} ${where}`, text: `pageerror: ${e}`, url: '' }));
}

function unexpectedErrors() {
  const widgetMissing = !fs.existsSync(path.join(repoDir, 'web', 'booth', 'widget.js'));
  const expected = widgetMissing ? [...EXPECTED_HTTP, [404, /^\/booth\/widget\.js$/]] : EXPECTED_HTTP; // the widget's engineer is on it
  return unexpectedConsoleErrors(consoleErrors, expected);
}

async function settle(p = page) {
  await p.waitForLoadState('load');
  await p.waitForFunction(() => {
    const view = document.querySelector('main .view');
    return view && !view.querySelector('.loading');
  });
  // The pages' awaits (session, manifest) end: no request for 500 ms, not a
  // guess at how fast this machine is.
  await p.waitForLoadState('networkidle');
}

async function visit(pathname, p = page) {
  where = pathname;
  await p.goto(urn.url + pathname);
  await settle(p);
}

async function heading(p = page) {
  return (await p.locator('#page-title').textContent()).trim();
}

/** axe-core on the page as it is: no serious or critical violation; a screenshot. */
async function audit(name, p = page) {
  await settle(p);
  if (!(await p.evaluate(() => typeof window.axe === 'object'))) await p.evaluate(axeSource);
  const r = await p.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const violations = r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ')) }));
  axeReport.push({ name, violations });
  await p.screenshot({ path: path.join(resultsDir, `portal-${name}.png`), fullPage: true });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe on ${name}: ${JSON.stringify(bad, null, 2)}`);
}

async function rules(p = page) {
  return p.evaluate(() => Object.fromEntries([...document.querySelectorAll('.rules li')]
    .map((li) => [li.dataset.rule, li.dataset.met === 'true'])));
}

async function fillLogin(identifier, password, p = page) {
  await p.getByLabel(/Identifiant|Identifier/).fill(identifier);
  await p.getByLabel(/^(Mot de passe|Password) \((obligatoire|required)\)$/).fill(password);
  await p.getByRole('button', { name: /Se connecter|Log in/ }).click();
}

// Over the API, as a voter's browser would: login (cookie, CSRF token), then
// a ballot made by the booth with the voter's code.
async function castOverApi(v, scrutin, choice) {
  const post = (p, body, headers = {}) => fetch(urn.url + p, { method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers }, body });
  const login = await post('/api/v1/session', JSON.stringify({ identifier: v.identifier, password: v.password,
    ...(await urn.pow('login')) }));
  assert.equal(login.status, 201, await login.clone().text());
  const { csrf_token: csrf } = await login.json();
  const setCookie = login.headers.getSetCookie ? login.headers.getSetCookie()[0] : login.headers.get('set-cookie');
  const cookie = setCookie.split(';')[0];
  const { ballot, reference } = booth.createBallot(urn.manifestText, scrutin, [choice], v.code);
  const r = await post('/api/v1/ballots', ballot, { Cookie: cookie, 'X-CSRF-Token': csrf });
  assert.equal(r.status, 201, await r.clone().text());
  const receipt = await r.json();
  assert.equal(receipt.reference, reference);
  return receipt;
}

export async function setup(ctx) {
  resultsDir = ctx.resultsDir;
  repoDir = ctx.repoDir;
  booth = await loadBooth();
  // 30 voters: "d" finds 12 of them, more than one page of the lists.
  urn = await startUrn({ voters: 30 });
  voter = urn.voters[0];
  // The browser lives at UTC+14 (often another day than Paris): every date the
  // pages show must still be Paris time, compared with Node's formatting.
  context = await ctx.browser.newContext({ viewport: { width: 1100, height: 800 }, acceptDownloads: true,
    timezoneId: 'Pacific/Kiritimati' });
  page = await context.newPage();
  watch(page, 'main');
}

export async function teardown() {
  if (context) await context.close();
  if (urn) {
    await urn.stop();
    urn.cleanup();
  }
}

export const tests = [
  ['the login page: French by default, the shell, the election named', async () => {
    await visit('/');
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.equal(await heading(), 'Connexion');
    assert.equal(await page.title(), 'Connexion — Isoloir');
    assert.equal(await page.locator('#skip').textContent(), 'Aller au contenu');
    await page.waitForFunction(() => document.getElementById('election-title')?.textContent);
    assert.equal(await page.locator('#election-title').textContent(), urn.manifest.title);
    for (const name of ['Activer mon compte', 'Recevoir un lien pour le changer']) {
      assert.equal(await page.getByRole('link', { name }).count(), 1, name);
    }
    await audit('login');
  }],

  ['/activation without a link: asks for one, and the answer gives nothing away', async () => {
    await visit('/activation');
    assert.equal(await heading(), 'Activer mon compte');
    await page.getByRole('button', { name: 'Recevoir mon lien d’activation' }).click();
    assert.match(await page.locator('.field-error').first().textContent(), /obligatoire/);
    await page.getByLabel(/Identifiant/).fill(voter.identifier);
    powSeen.length = 0;
    const previous = urn.latestToken(voter.identifier);
    await page.getByRole('button', { name: 'Recevoir mon lien d’activation' }).click();
    await page.getByText(/un message vient de lui être envoyé/).waitFor();
    assert.match(await urn.awaitToken(voter.identifier, 'activation', previous), /^[A-Za-z0-9_-]{43}$/);
    // The request carried a proof of work of purpose "link", solved in the page.
    assert.deepEqual(powSeen.map((r) => `${r.method} ${r.path} ${r.purpose || ''}`.trim()),
      ['GET /api/v1/pow link', 'POST /api/v1/account/activation-link']);
    const sent = powSeen[1].body;
    assert.match(sent.pow_challenge, /^[A-Za-z0-9_-]+$/);
    assert.match(sent.pow_nonce, /^\d+$/);
    await audit('activation-ask');
  }],

  ['a malformed link says so at once', async () => {
    await visit('/activation#not-a-token');
    assert.equal(new URL(page.url()).hash, '');
    assert.match(await page.getByRole('alert').first().textContent(), /Ce lien n'est pas valide/);
    assert.equal(await page.locator('input[type=password]').count(), 0);
  }],

  ['activation from the mailed link: live feedback on the password rule, then the question', async () => {
    const token = urn.latestToken(voter.identifier);
    await visit(`/activation#${token}`);
    assert.equal(new URL(page.url()).hash, '', 'the token is removed from the address');
    assert.ok(!page.url().includes(token));
    await page.getByText(`Compte : ${voter.identifier}`).waitFor();
    assert.deepEqual(await rules(), { length: false, upper: false, lower: false, digit: false, special: false, match: false });
    assert.equal(await page.locator('.rules-box').getAttribute('aria-live'), 'polite');

    const pw = page.getByLabel(/^Mot de passe/);
    const confirm = page.getByLabel(/^Confirmez le mot de passe/);
    await pw.pressSequentially('motdepasse', { delay: 5 });
    assert.deepEqual(await rules(), { length: false, upper: false, lower: true, digit: false, special: false, match: false });
    assert.match(await page.locator('li[data-rule=upper]').textContent(), /une lettre majuscule.*non respecté/);
    await audit('activation-weak');
    // Submitting a weak password is stopped in the page, with the reasons.
    await page.getByRole('button', { name: 'Activer mon compte' }).click();
    assert.match(await page.getByRole('alert').first().textContent(), /erreurs/);
    assert.equal(await pw.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.name), 'password');

    await pw.fill('');
    await pw.pressSequentially(PASSWORD, { delay: 5 });
    assert.deepEqual(await rules(), { length: true, upper: true, lower: true, digit: true, special: true, match: false });
    await confirm.fill('Correct-Horse-41!');
    assert.equal((await rules()).match, false);
    await confirm.fill(PASSWORD);
    assert.equal((await rules()).match, true);

    const questions = await page.locator('select[name=question] option').allTextContents();
    assert.ok(questions.length >= 5, questions.join('|'));
    assert.ok(questions.includes('Quelle est la ville de naissance de votre mère ?'));
    await page.getByRole('button', { name: 'Activer mon compte' }).click();
    assert.match(await page.locator('.field-error').filter({ hasText: /question/ }).textContent(), /Choisissez une question/);
    await page.getByLabel(/^Question/).selectOption({ index: 1 });
    await page.getByLabel(/^Votre réponse/).fill('Saint-Étienne');
    await audit('activation-ready');

    // The server's own verdict (weak_password with its classes) is shown on
    // the checklist: faked once here, since the page's rule is the server's.
    await page.route('**/api/v1/account/activate', (route) => route.fulfill({ status: 400, contentType: 'application/json',
      body: JSON.stringify({ error: 'weak_password', detail: 'needs a special character',
        classes: { length: true, upper: true, lower: true, digit: true, special: false } }) }), { times: 1 });
    await page.getByRole('button', { name: 'Activer mon compte' }).click();
    await page.getByText('Ce mot de passe ne respecte pas les règles.').waitFor();
    assert.deepEqual(await rules(), { length: true, upper: true, lower: true, digit: true, special: false, match: true });
    await page.unroute('**/api/v1/account/activate');

    await page.getByRole('button', { name: 'Activer mon compte' }).click();
    await page.getByText('Votre compte est activé.').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await heading(), 'Connexion');
    assert.equal(await page.getByLabel(/Identifiant/).inputValue(), voter.identifier);
    voter.password = PASSWORD;
    await audit('activated');
  }],

  ['a used link says so before anything is typed', async () => {
    await visit(`/activation#${urn.latestToken(voter.identifier)}`);
    assert.match(await page.getByRole('alert').first().textContent(), /Ce lien a déjà servi/);
    assert.equal(await page.locator('input[type=password]').count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Demander un nouveau lien' }).count(), 1);
  }],

  ['login: a wrong password is refused in words, the right one opens the home menu', async () => {
    await visit('/');
    await fillLogin(voter.identifier, 'Wrong-password-1!');
    await page.getByText('Identifiant ou mot de passe incorrect.').waitFor();
    // The throttle's answer says how long to wait (Retry-After), faked once.
    await page.route('**/api/v1/session', (route) => (route.request().method() === 'POST'
      ? route.fulfill({ status: 429, contentType: 'application/json', headers: { 'Retry-After': '8' },
        body: JSON.stringify({ error: 'too_many_attempts', detail: 'wait' }) })
      : route.fallback()), { times: 1 });
    await fillLogin(voter.identifier, 'Wrong-password-2!');
    await page.getByText('Trop de tentatives : réessayez dans 8 secondes.').waitFor();
    await page.unroute('**/api/v1/session');
    powSeen.length = 0;
    await fillLogin(voter.identifier, PASSWORD);
    await page.getByRole('heading', { level: 1, name: 'Mon espace électeur' }).waitFor();
    // The login solved a fresh challenge of purpose "login" (pow_difficulty 8, urn.mjs).
    const logins = powSeen.filter((r) => r.method === 'POST');
    assert.equal(logins.length, 1);
    assert.equal(powSeen[0].purpose, 'login');
    assert.match(logins[0].body.pow_nonce, /^\d+$/);
    assert.ok(logins[0].body.pow_challenge);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'page-title');
    const menu = await page.locator('nav .tiles .tile-title').allTextContents();
    assert.deepEqual(menu, ['Je vote', 'Obtenir un réassort de votre code de vote', 'Mes informations personnelles',
      'Listes électorales', 'Formuler une réclamation', 'Informations pratiques', 'Vérifier un bulletin', 'Résultats', 'Se déconnecter']);
    await page.getByText(`Bienvenue, ${voter.name}.`).waitFor();
    await page.locator('.who').filter({ hasText: voter.identifier }).waitFor();
    await audit('home');
    await page.setViewportSize({ width: 390, height: 844 }); // a phone
    await audit('home-phone');
    await page.setViewportSize({ width: 1100, height: 800 });
  }],

  ['a ballot cast over the API (the booth in Node, the voter\'s cookie and CSRF token)', async () => {
    cast = await castOverApi(voter, 'capn-2d', 'fsu');
    assert.equal(cast.log_index, 0);
  }],

  ['Mes informations: identity, scrutins voted or not, the émargement downloaded and verified', async () => {
    where = '/informations';
    await page.getByRole('link', { name: /Mes informations personnelles/ }).click();
    await settle();
    assert.equal(new URL(page.url()).pathname, '/informations');
    assert.equal(await heading(), 'Mes informations personnelles');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'page-title');
    const facts = await page.locator('dl.facts').textContent();
    assert.ok(facts.includes(voter.name) && facts.includes(voter.identifier), facts);
    // The date is the server's (real clock): the page must show exactly the
    // Paris-time wording of what the API answered, whatever today's month
    // ("février", "août", "décembre": letters \w does not match).
    const activatedAt = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).activated_at);
    assert.ok(facts.includes(`Compte activé le${formatDateTime(activatedAt, 'fr')}`), `${activatedAt}: ${facts}`);
    assert.match(facts, /Compte activé le\p{L}+ \d+(er)? \p{L}+ 20\d\d à \d\d:\d\d/u);
    const rows = await page.locator('tbody tr').allTextContents();
    assert.equal(rows.length, urn.manifest.scrutins.length);
    const capn = page.locator('tbody tr').filter({ hasText: 'CAPN des enseignants du second degré' });
    assert.match(await capn.textContent(), /A voté le/);
    assert.match(await page.locator('tbody tr').first().textContent(), /Pas encore voté/);
    assert.equal(await page.getByRole('button', { name: /Télécharger mon émargement/ }).count(), 1);
    await audit('informations');
    const [download] = await Promise.all([page.waitForEvent('download'),
      page.getByRole('button', { name: /Télécharger mon émargement/ }).click()]);
    assert.equal(download.suggestedFilename(), 'emargement-capn-2d.json');
    const text = fs.readFileSync(await download.path(), 'utf8');
    assert.equal(text, cast.emargement, 'the émargement is the signed bytes');
    const check = booth.verifyReceipt(urn.manifestText, text);
    assert.equal(check.ok, true, JSON.stringify(check));
    assert.equal(check.scrutin, 'capn-2d');
    await page.getByText('Émargement téléchargé : emargement-capn-2d.json').waitFor();
  }],

  ['Listes électorales: "dup" finds the Duponts, "d" is paged with Suivant and Précédent', async () => {
    await visit('/listes');
    assert.equal(await heading(), 'Listes électorales');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    assert.equal(await page.locator('.field-error').filter({ hasText: 'Ce champ est obligatoire.' }).count(), 1);
    assert.equal(await page.getByLabel(/^Nom recherché/).getAttribute('aria-invalid'), 'true');
    await page.getByLabel(/^Nom recherché/).fill('dup');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.getByText(/électeur\(s\) trouvé\(s\) pour « dup »/).waitFor();
    const names = await page.locator('ol.names li').allTextContents();
    assert.deepEqual([...new Set(names)].sort(), ['Jeanne Dupont', 'Zoé Dupont-Leroy']);
    assert.equal(names.length, 8); // 30 voters named from 8 names: four of each

    await page.getByLabel(/^Nom recherché/).fill('d');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.getByText('12 électeur(s) trouvé(s) pour « d » : 1 à 10.').waitFor();
    assert.equal(await page.locator('ol.names li').count(), 10);
    assert.equal(await page.getByRole('button', { name: 'Précédent' }).isDisabled(), true);
    await audit('listes');
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByText('12 électeur(s) trouvé(s) pour « d » : 11 à 12.').waitFor();
    assert.equal(await page.locator('ol.names li').count(), 2);
    assert.equal(await page.locator('ol.names').getAttribute('start'), '11');
    assert.equal(await page.getByRole('button', { name: 'Suivant' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Précédent' }).click();
    await page.getByText('12 électeur(s) trouvé(s) pour « d » : 1 à 10.').waitFor();
    const text = await page.locator('.results').textContent();
    assert.ok(!text.includes('@'), 'names only');
  }],

  ['Formuler une réclamation: scrutin and text, a counter, the number and time given', async () => {
    await visit('/reclamation');
    assert.equal(await heading(), 'Formuler une réclamation');
    await page.getByRole('button', { name: 'Envoyer ma réclamation' }).click();
    assert.match(await page.locator('.field-error').first().textContent(), /Choisissez le scrutin/);
    await page.getByLabel(/^Scrutin concerné/).selectOption('capn-2d');
    const text = 'Mon collègue Hervé ne reçoit pas sa notice.\nMerci de vérifier.';
    await page.getByLabel(/^Votre réclamation/).fill(text);
    assert.equal(await page.locator('.counter').textContent(),
      `${Buffer.byteLength(text)} / 4000 caractères (une lettre accentuée compte pour 2)`);
    await audit('reclamation');
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/reclamations'
      && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Envoyer ma réclamation' }).click();
    const filedAnswer = await (await answered).json();
    const done = page.locator('.reclamation-done');
    await done.waitFor();
    // Exactly the Paris-time wording of the server's filed_at, whatever the month.
    assert.equal(await done.textContent(), `Votre réclamation a été enregistrée sous le numéro ${filedAnswer.id}, le ${formatDateTime(filedAnswer.filed_at, 'fr')}.`);
    assert.match(await done.textContent(), /Votre réclamation a été enregistrée sous le numéro \S+, le \p{L}+ \d+(er)? \p{L}+ 20\d\d à \d\d:\d\d\./u);
    const listed = spawnSync(adminBin, ['--data-dir', urn.data, 'reclamations'], { encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    const filed = listed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(filed.map((r) => [r.voter, r.scrutin, r.text]), [[voter.identifier, 'capn-2d', text]]);
    assert.ok((await done.textContent()).includes(String(filed[0].id)));
    await audit('reclamation-done');
  }],

  ['Informations pratiques: the help desk from /api/v1/info and the voting window', async () => {
    await visit('/pratique');
    assert.equal(await heading(), 'Informations pratiques');
    const desk = await page.locator('dl.contact').textContent();
    assert.ok(desk.includes('du lundi au vendredi, de 8 h à 20 h'), desk);
    assert.equal(await page.getByRole('link', { name: 'assistance@ac-test.fr' }).getAttribute('href'), 'mailto:assistance@ac-test.fr');
    assert.equal(await page.getByRole('link', { name: '0 800 000 000' }).getAttribute('href'), 'tel:0800000000');
    assert.match(await page.locator('.window').textContent(), /Le vote électronique est ouvert du .+ au .+ \(heure de Paris\)/);
    const window = await page.locator('.window').textContent();
    assert.ok(window.includes(`du ${formatDateTime(urn.manifest.opens_at, 'fr')} au ${formatDateTime(urn.manifest.closes_at, 'fr')}`), window);
    await audit('pratique');
  }],

  ['/vote embeds <isoloir-booth> in the voter\'s language', async () => {
    await visit('/vote');
    assert.equal(await heading(), 'Je vote');
    const el = page.locator('isoloir-booth');
    assert.equal(await el.count(), 1);
    assert.equal(await el.getAttribute('server'), '');
    assert.equal(await el.getAttribute('lang'), 'fr');
    await audit('vote');
  }],

  ['the language switch: English everywhere, kept, the booth told, ?lang= wins', async () => {
    await page.getByRole('button', { name: 'Switch to English' }).click();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await heading(), 'Vote');
    assert.equal(await page.locator('isoloir-booth').getAttribute('lang'), 'en');
    assert.equal(await page.evaluate(() => localStorage.getItem('isoloir.lang')), 'en');
    await visit('/informations');
    assert.equal(await heading(), 'My personal information');
    assert.match(await page.locator('tbody').textContent(), /Voted on/);
    assert.equal(await page.locator('#skip').textContent(), 'Skip to content');
    await audit('informations-en');
    await visit('/activation?lang=fr');
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.equal(await heading(), 'Activer mon compte');
    await page.getByRole('button', { name: 'Switch to English' }).click();
    assert.equal(await heading(), 'Activate my account');
    assert.equal(new URL(page.url()).search, '', '?lang= is dropped once the voter chooses');
    await page.getByRole('button', { name: 'Passer en français' }).click();
    assert.equal(await page.evaluate(() => localStorage.getItem('isoloir.lang')), 'fr');
  }],

  ['the keyboard alone: log in and reach a page with Tab and Enter', async ({ browser }) => {
    const ctx2 = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const p = await ctx2.newPage();
    watch(p, 'keyboard');
    try {
      await visit('/', p);
      const focused = () => p.evaluate(() => {
        const a = document.activeElement;
        return { tag: a.tagName, id: a.id, name: a.getAttribute('name') || '', href: a.getAttribute('href') || '', text: a.textContent.trim() };
      });
      const tabTo = async (test, max = 40) => {
        for (let i = 0; i < max; i++) {
          await p.keyboard.press('Tab');
          const f = await focused();
          if (test(f)) return f;
        }
        throw new Error(`not reached with Tab: ${test}`);
      };
      await p.keyboard.press('Tab');
      assert.equal((await focused()).id, 'skip', 'the first Tab reaches the skip link');
      await p.keyboard.press('Enter');
      assert.equal((await focused()).id, 'app', 'the skip link moves focus to the content');
      await tabTo((f) => f.name === 'identifier');
      await p.keyboard.type(voter.identifier);
      await p.keyboard.press('Tab');
      assert.equal((await focused()).name, 'password');
      await p.keyboard.type(PASSWORD);
      await p.keyboard.press('Enter');
      await p.getByRole('heading', { level: 1, name: 'Mon espace électeur' }).waitFor();
      assert.equal((await focused()).id, 'page-title');
      await tabTo((f) => f.href === '/listes');
      await p.keyboard.press('Enter');
      await p.getByRole('heading', { level: 1, name: 'Listes électorales' }).waitFor();
      assert.equal((await focused()).id, 'page-title', 'focus on the new page\'s heading');
      await settle(p);
      await tabTo((f) => f.name === 'name');
      await p.keyboard.type('Mor');
      await p.keyboard.press('Enter');
      await p.getByText(/pour « Mor »/).waitFor();
      assert.deepEqual([...new Set(await p.locator('ol.names li').allTextContents())], ['Luc Moreau']);
      // the focus outline shows (a visible focus style)
      await tabTo((f) => f.tag === 'A' && f.href === '/');
      const outline = await p.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.notEqual(outline, 'none');
      // log out with the keyboard too
      await tabTo((f) => f.id === 'header-logout', 60);
      await p.keyboard.press('Enter');
      await p.getByText('Vous êtes déconnecté·e.').waitFor();
    } finally {
      await ctx2.close();
    }
  }],

  ['password reset from the mailed link, then login with the new password', async () => {
    await visit(RESET_URL);
    assert.equal(await heading(), 'Changer de mot de passe');
    await page.getByLabel(/Identifiant/).fill(voter.identifier);
    const previous = urn.latestToken(voter.identifier, 'mot-de-passe');
    await page.getByRole('button', { name: 'Recevoir un lien' }).click();
    await page.getByText(/un message vient de lui être envoyé/).waitFor();
    await audit('mot-de-passe-ask');
    const token = await urn.awaitToken(voter.identifier, 'mot-de-passe', previous);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    await visit(`${RESET_URL}#${token}`);
    assert.equal(new URL(page.url()).hash, '');
    await page.getByText(`Compte : ${voter.identifier}`).waitFor();
    // A language switch redraws the page without losing the link read from the address.
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.getByText(`Account: ${voter.identifier}`).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save my new password' }).count(), 1);
    await page.getByRole('button', { name: 'Passer en français' }).click();
    await page.getByText(`Compte : ${voter.identifier}`).waitFor();
    await page.getByLabel(/^Mot de passe/).pressSequentially('COURT1!', { delay: 5 });
    assert.deepEqual(await rules(), { length: false, upper: true, lower: false, digit: true, special: true, match: false });
    await page.getByLabel(/^Mot de passe/).fill(NEW_PASSWORD);
    await page.getByLabel(/^Confirmez/).fill(NEW_PASSWORD);
    assert.deepEqual(await rules(), { length: true, upper: true, lower: true, digit: true, special: true, match: true });
    await audit('mot-de-passe');
    await page.getByRole('button', { name: 'Enregistrer mon nouveau mot de passe' }).click();
    await page.getByText('Votre mot de passe a été changé.').waitFor();
    // The reset ended every session: this page is logged out.
    assert.equal(await page.locator('#header-logout').count(), 0);
    await fillLogin(voter.identifier, NEW_PASSWORD);
    await page.getByRole('heading', { level: 1, name: 'Mon espace électeur' }).waitFor();
    voter.password = NEW_PASSWORD;
  }],

  ['logout: the menu\'s button ends the session, the pages ask for a login again', async () => {
    await page.getByRole('button', { name: /^Se déconnecter Fermer ma session/ }).click();
    await page.getByText('Vous êtes déconnecté·e.').waitFor();
    assert.equal(await heading(), 'Connexion');
    await visit('/informations');
    assert.equal(await heading(), 'Mes informations personnelles');
    await page.getByText('Cette page est réservée aux électeurs connectés').waitFor();
    assert.equal(await page.locator('table').count(), 0);
    await audit('gate');
    await page.setViewportSize({ width: 390, height: 844 });
    await visit('/');
    await audit('login-phone');
    await visit('/activation');
    await audit('activation-ask-phone');
    await page.setViewportSize({ width: 1100, height: 800 });
  }],

  ['/verifier (public): a cast ballot is in the urn, verified in the page', async ({ browser }) => {
    const ctx2 = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const p = await ctx2.newPage();
    watch(p, 'verifier');
    try {
      await visit('/verifier', p);
      assert.equal(await heading(p), 'Vérifier un bulletin');
      await p.getByLabel(/^Référence du bulletin/).fill('abc');
      await p.getByRole('button', { name: 'Vérifier' }).click();
      assert.match(await p.locator('.field-error').textContent(), /43 caractères/);
      await audit('verifier-bad-form', p);
      await p.getByLabel(/^Référence du bulletin/).fill(` ${cast.reference} `);
      await p.getByRole('button', { name: 'Vérifier' }).click();
      const ok = p.locator('.verdict-ok .verdict-title');
      await ok.waitFor({ timeout: 30000 });
      assert.equal((await ok.textContent()).replace(/^✓ /, ''),
        'Votre bulletin est bien dans l’urne (position 1, vérifié dans votre navigateur).');
      assert.ok((await p.locator('.verdict').textContent()).includes(urn.electionHash));
      await audit('verifier-ok', p);

      await p.getByLabel(/^Référence du bulletin/).fill('A'.repeat(43));
      await p.getByRole('button', { name: 'Vérifier' }).click();
      await p.getByText('Aucun bulletin avec cette référence n’est dans l’urne.').waitFor();
      await audit('verifier-not-found', p);

      // A server that lies about the proof: the page raises the alarm.
      await p.route(`**/api/v1/board/ballots/${cast.reference}`, async (route) => {
        const res = await route.fetch();
        const b = await res.json();
        b.log_index += 1;
        await route.fulfill({ response: res, body: JSON.stringify(b) });
      });
      await p.getByLabel(/^Référence du bulletin/).fill(cast.reference);
      await p.getByRole('button', { name: 'Vérifier' }).click();
      const alarm = p.locator('.alert.alarm');
      await alarm.waitFor();
      assert.match(await alarm.textContent(), /^ALERTE : la preuve fournie par le serveur pour ce bulletin est invalide/);
      assert.equal(await p.locator('.verdict-ok').count(), 0);
      await audit('verifier-alarm', p);

      // /verifier#REFERENCE (a receipt's link) checks at once.
      await p.unroute(`**/api/v1/board/ballots/${cast.reference}`);
      await visit(`/verifier#${cast.reference}`, p);
      await p.locator('.verdict-ok').waitFor({ timeout: 30000 });
    } finally {
      await ctx2.close();
    }
  }],

  ['no page logged an error or a CSP violation', () => {
    assert.deepEqual(unexpectedErrors(), []);
  }],

  ['axe-core: no serious or critical violation on any page (report)', () => {
    const pages = axeReport.map((r) => r.name);
    for (const name of ['login', 'activation-ask', 'activation-weak', 'home', 'informations', 'listes', 'reclamation',
      'pratique', 'vote', 'mot-de-passe', 'verifier-ok', 'verifier-not-found', 'gate']) {
      assert.ok(pages.includes(name), `axe ran on ${name}`);
    }
    const minor = axeReport.flatMap((r) => r.violations.map((v) => `${r.name}: ${v.impact} ${v.id} (${v.nodes.length})`));
    console.log(`    axe-core on ${axeReport.length} page states: ${minor.length ? minor.join('; ') : 'no violation at all'}`);
    fs.writeFileSync(path.join(resultsDir, 'portal-axe.json'), JSON.stringify(axeReport, null, 2));
  }],
];
