// The vote code's re-issue ("réassort", issue 5) in the portal, in Chromium
// against the real isoloir-server (startUrn: voters with a NUMEN, the first
// digits of a social-security number and a phone; proof of work on,
// difficulty 8; mail and text messages in the outbox):
//
//  - the way in: the home menu and the /vote page;
//  - the form's own checks (NUMEN upper-cased as typed and 13 characters,
//    10 digits of the NIR, a personal e-mail other than the identifier),
//    nothing sent while they fail; a wrong answer or a wrong NUMEN refused;
//  - re-issue by NUMEN and a personal e-mail: the mailed link opened in
//    another browser context (another device), "Régénérer mon code de vote",
//    the new code shown with its countdown and copied; with Playwright's
//    clock the code is still there at 1:59 and gone at 2:01, and the module
//    itself then says code_expired; the new code votes through /vote, the old
//    one is refused; the used link is refused in words;
//  - re-issue by NIR and SMS (the .sms file's link), the code wiped at once
//    by "J'ai noté mon code", a language switch that keeps the code shown;
//  - another voter's link refused (still good for its owner), the code wiped
//    when its page is left, a malformed link;
//  - the outcome the FranceConnect route brings back in the query.
//
// axe-core on every new page state (no serious or critical violation), no
// page error or CSP violation; screenshots in test-results/reissue-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadBooth } from '../../web/booth/index.js';
import { startUrn } from './urn.mjs';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const PERSONAL = 'jeanne.perso@example.net';
const CODE_TEXT = /^[0-9A-Z]{5} [0-9A-Z]{5} [0-9A-Z]{5} [0-9A-Z]{5}$/;

let urn;
let booth;
let resultsDir;
const contexts = [];
const problems = []; // page errors, CSP violations, unexpected console errors
const axeReport = [];
const requests = []; // "METHOD /path" of the API, every page

// The 4xx answers these tests provoke on purpose (Chromium logs each).
const EXPECTED_HTTP = [
  [401, /^\/api\/v1\/session$/], // logged out
  [403, /^\/api\/v1\/code\/reissue-link$/], // reissue_refused
  [410, /^\/api\/v1\/code\/reissue$/], // token_used
  [403, /^\/api\/v1\/code\/reissue$/], // foreign_token
  [400, /^\/api\/v1\/code\/reissue$/], // bad_token
];

async function newPage(browser, { clock = false, viewport = { width: 1000, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  if (clock) await context.clock.install();
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/')) requests.push(`${r.method()} ${u.pathname}`);
  });
  page.on('console', (m) => {
    const text = m.text();
    if (/Content Security Policy|Refused to/i.test(text)) return problems.push(`CSP: ${text}`);
    if (m.type() !== 'error') return;
    const s = text.match(/^Failed to load resource: the server responded with a status of (\d+)/);
    let p = '';
    try {
      p = new URL(m.location().url).pathname;
    } catch {
      p = '';
    }
    if (s && EXPECTED_HTTP.some(([status, re]) => String(status) === s[1] && re.test(p))) return;
    problems.push(`console: ${text} ${m.location().url || ''}`);
  });
  return { context, page };
}

async function settle(page) {
  await page.waitForLoadState('load');
  await page.waitForFunction(() => {
    const view = document.querySelector('main .view');
    return view && !view.querySelector('.loading');
  });
  // The pages' awaits (session, manifest) end: no request for 500 ms, not a
  // guess at how fast this machine is.
  await page.waitForLoadState('networkidle');
}

async function visit(page, pathname) {
  await page.goto(urn.url + pathname);
  await settle(page);
}

const heading = async (page) => (await page.locator('#page-title').textContent()).trim();
const state = (page) => page.locator('main .view').getAttribute('data-reissue');
const alertText = async (page) => (await page.locator('main [role=alert].shown').allTextContents()).join(' ');

async function shot(page, name) {
  await page.screenshot({ path: path.join(resultsDir, `reissue-${name}.png`), fullPage: true });
}

/** axe-core on the page as it is (no serious or critical violation), and a screenshot. */
async function audit(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const violations = r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ')) }));
  axeReport.push({ name, violations });
  await shot(page, name);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe on ${name}: ${JSON.stringify(bad, null, 2)}`);
}

async function login(page, v) {
  await visit(page, '/');
  await page.getByLabel(/Identifiant/).fill(v.identifier);
  await page.getByLabel(/^Mot de passe \(obligatoire\)$/).fill(v.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mon espace électeur' }).waitFor();
}

/** Fills the re-issue form: {answer, numen | nir, email} (channel e-mail when `email` is given). */
async function fillRequest(page, { answer, numen, nir, email }) {
  await page.getByLabel(/^Réponse à votre question de sécurité/).fill(answer);
  if (nir !== undefined) {
    await page.getByLabel('Les 10 premiers chiffres de mon numéro de sécurité sociale').check();
    await page.getByLabel(/^10 premiers chiffres du numéro de sécurité sociale/).fill(nir);
  } else {
    await page.getByLabel('Mon NUMEN').check();
    await page.getByLabel(/^NUMEN/).fill(numen);
  }
  if (email !== undefined) {
    await page.getByLabel('Par courriel, à une adresse personnelle').check();
    await page.getByLabel(/^Adresse électronique personnelle/).fill(email);
  } else {
    await page.getByLabel(/^Par SMS, au numéro de portable enregistré/).check();
  }
}

const submitRequest = (page) => page.getByRole('button', { name: 'Recevoir mon lien' }).click();

/** What the module says now, asked in the page (the same module instance the page uses). */
const moduleSays = (page) => page.evaluate(async () => {
  const { loadBooth: load } = await import('/booth/index.js');
  const b = await load();
  try {
    b.revealCode();
    return 'shown';
  } catch (e) {
    return e.reason || String(e);
  }
});

/** The code on screen, "XXXXX XXXXX XXXXX XXXXX", or '' when none. */
const codeOnScreen = async (page) => {
  const el = page.locator('.code-display');
  return (await el.count()) ? (await el.textContent()).trim().replace(/\s+/g, ' ') : '';
};

/** The voter's record as the server has it (GET /api/v1/me with a fresh API session). */
async function serverRecord(i) {
  const { cookie } = await urn.login(i);
  const r = await fetch(`${urn.url}/api/v1/me`, { headers: { Cookie: cookie } });
  assert.equal(r.status, 200);
  return r.json();
}

// Casts `scrutin` for voter i with `code` over the API: the server's answer.
async function castOverApi(i, code, scrutin, choice) {
  const { cookie, csrf } = await urn.login(i);
  const { ballot } = booth.createBallot(urn.manifestText, scrutin, [choice], code);
  const r = await fetch(`${urn.url}/api/v1/ballots`, { method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf }, body: ballot });
  return { status: r.status, body: await r.json() };
}

const shared = {}; // what one test leaves for the next: {pageA, token, newCode, oldCode}

export async function setup(ctx) {
  resultsDir = ctx.resultsDir;
  booth = await loadBooth();
  urn = await startUrn({ voters: 4 });
  for (let i = 0; i < 4; i++) await urn.activate(i);
}

export async function teardown() {
  for (const c of contexts) await c.close().catch(() => {});
  if (urn) {
    await urn.stop();
    urn.cleanup();
  }
}

export const tests = [
  ['the way in: the home menu and the /vote page lead to /reassort, which shows the voter\'s question', async ({ browser }) => {
    const v = urn.voters[0];
    const { page } = await newPage(browser);
    shared.pageA = page;
    await login(page, v);
    const tile = page.getByRole('link', { name: /^Obtenir un réassort de votre code de vote/ });
    assert.equal(await tile.getAttribute('href'), '/reassort');
    await visit(page, '/vote');
    const below = page.locator('.reissue-link');
    assert.match(await below.textContent(), /Code de vote perdu \? Obtenir un réassort de votre code de vote/);
    // the link is below the booth
    assert.equal(await page.evaluate(() => {
      const booth = document.querySelector('isoloir-booth');
      const link = document.querySelector('.reissue-link');
      return Boolean(booth.compareDocumentPosition(link) & Node.DOCUMENT_POSITION_FOLLOWING);
    }), true);
    await below.getByRole('link').click();
    await settle(page);
    assert.equal(new URL(page.url()).pathname, '/reassort');
    assert.equal(await heading(page), 'Réassort du code de vote');
    assert.equal(await page.locator('.field .question').textContent(), `Votre question : ${v.question}`);
    assert.match(await page.getByLabel(/^Réponse à votre question/).getAttribute('aria-describedby'), /-question /);
    assert.equal(await page.getByLabel(/^NUMEN/).isVisible(), true);
    assert.equal(await page.getByLabel(/^10 premiers chiffres/).isVisible(), false);
    assert.equal(await page.getByLabel(/^Adresse électronique personnelle/).isVisible(), false);
    await audit(page, 'request');
  }],

  ['the form\'s own checks: NUMEN upper-cased as typed and 13 long, 10 NIR digits, a personal e-mail; nothing sent', async () => {
    const page = shared.pageA;
    const v = urn.voters[0];
    const sent = requests.length;
    const numen = page.getByLabel(/^NUMEN/);
    await numen.pressSequentially('08e06', { delay: 5 });
    assert.equal(await numen.inputValue(), '08E06', 'upper-cased as typed');
    await page.getByRole('button', { name: 'Recevoir mon lien' }).click();
    const errors = await page.locator('.field:not([hidden]) .field-error').allTextContents();
    assert.deepEqual(errors.filter(Boolean), ['Ce champ est obligatoire.',
      'Le NUMEN compte 13 caractères : vous en avez saisi 5.']);
    assert.match(await alertText(page), /Le formulaire contient des erreurs/);
    assert.equal(await page.evaluate(() => document.activeElement.name), 'answer', 'focus on the first mistake');
    assert.equal(await numen.getAttribute('aria-invalid'), 'true');
    await page.getByLabel(/^Réponse à votre question/).fill('Saint-Étienne');
    const send = () => page.getByRole('button', { name: 'Recevoir mon lien' }).click();
    await numen.fill('08E0612300AB!');
    await send();
    await page.locator('.field-error').filter({ hasText: 'Le NUMEN ne contient que des chiffres et des lettres.' }).waitFor();

    await page.getByLabel('Les 10 premiers chiffres de mon numéro de sécurité sociale').check();
    assert.equal(await numen.isVisible(), false);
    const nir = page.getByLabel(/^10 premiers chiffres/);
    await nir.fill('2 85 06 75 1');
    await send();
    await page.locator('.field-error').filter({ hasText: 'Saisissez les 10 premiers chiffres : vous en avez saisi 8.' }).waitFor();
    await nir.fill('2850675100123');
    await send();
    await page.locator('.field-error').filter({ hasText: 'Saisissez les 10 premiers chiffres : vous en avez saisi 13.' }).waitFor();
    await nir.fill('28506751AB');
    await send();
    await page.locator('.field-error').filter({ hasText: 'Saisissez des chiffres (2A ou 2B pour un département de Corse).' }).waitFor();
    await nir.fill('2 85 06 75 100');

    await page.getByLabel('Par courriel, à une adresse personnelle').check();
    const email = page.getByLabel(/^Adresse électronique personnelle/);
    assert.equal(await email.isVisible(), true);
    await email.fill(` ${v.identifier.toUpperCase()} `);
    await send();
    await page.locator('.field-error')
      .filter({ hasText: 'Cette adresse est votre identifiant : indiquez une adresse personnelle, différente.' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.name), 'email');
    await email.fill('pas-une-adresse');
    await send();
    await page.locator('.field-error').filter({ hasText: 'Saisissez une adresse électronique valide' }).waitFor();
    assert.deepEqual((await page.locator('.field:not([hidden]) .field-error').allTextContents()).filter(Boolean),
      ['Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr.']);
    await audit(page, 'form-errors');
    assert.deepEqual(requests.slice(sent), [], 'nothing was sent while the form was wrong');
  }],

  ['a wrong answer, then a wrong NUMEN, are refused in words (one answer for both)', async ({ browser }) => {
    const v = urn.voters[2];
    const { page } = await newPage(browser);
    await login(page, v);
    await visit(page, '/reassort');
    await fillRequest(page, { answer: 'Lyon', numen: v.numen, email: 'marc.perso@example.net' });
    await submitRequest(page);
    const refused = 'La réponse à votre question ou votre NUMEN (ou numéro de sécurité sociale) est incorrect.';
    await page.getByRole('alert').filter({ hasText: refused }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.name), 'answer');
    await audit(page, 'refused');
    const wrong = `${v.numen.slice(0, 12)}${v.numen.endsWith('C') ? 'D' : 'C'}`;
    await fillRequest(page, { answer: v.answer, numen: wrong.toLowerCase(), email: 'marc.perso@example.net' });
    assert.equal(await page.getByLabel(/^NUMEN/).inputValue(), wrong);
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/code/reissue-link'));
    await submitRequest(page);
    assert.equal((await answered).status(), 403);
    await page.getByRole('alert').filter({ hasText: refused }).waitFor();
    assert.equal(urn.latestToken('marc.perso@example.net', 'reassort'), '', 'no link left');
    // Each request solved a proof of work of purpose "reissue" first.
    const asked = requests.filter((r) => r === 'POST /api/v1/code/reissue-link').length;
    assert.ok(asked >= 2);
  }],

  ['re-issue by NUMEN and a personal e-mail: "Un lien vous a été envoyé à j***@example.net"', async () => {
    const page = shared.pageA;
    const v = urn.voters[0];
    await visit(page, '/reassort');
    const pow = [];
    const onRequest = (r) => {
      if (/\/api\/v1\/(pow|code\/reissue-link)/.test(r.url())) pow.push([r.method(), r.url(), r.postData()]);
    };
    page.on('request', onRequest);
    // The answer in another case and without accents: the server folds both.
    await fillRequest(page, { answer: 'SAINT-ETIENNE', numen: v.numen.toLowerCase(), email: PERSONAL });
    await submitRequest(page);
    const sent = page.locator('.reissue-sent');
    await sent.waitFor();
    page.off('request', onRequest);
    assert.equal((await sent.locator('p').first().textContent()),
      'Un lien vous a été envoyé à j***@example.net ; il est valable 15 minutes.');
    assert.match(pow[0][1], /\/api\/v1\/pow\?purpose=reissue$/);
    const body = JSON.parse(pow[1][2]);
    assert.deepEqual(Object.keys(body).sort(), ['answer', 'channel', 'email', 'numen', 'pow_challenge', 'pow_nonce']);
    assert.equal(body.numen, v.numen);
    assert.match(body.pow_nonce, /^\d+$/);
    await audit(page, 'sent');
    shared.token = urn.latestToken(PERSONAL, 'reassort');
    assert.match(shared.token, /^[A-Za-z0-9_-]{43}$/);
  }],

  ['the link on another device: the new code, shown 120 s by the module\'s clock, copied, then gone', async ({ browser }) => {
    const v = urn.voters[0];
    const before = await serverRecord(0);
    const { context, page } = await newPage(browser, { clock: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: urn.url });
    await visit(page, `/reassort#${shared.token}`);
    assert.equal(new URL(page.url()).hash, '', 'the token is removed from the address');
    assert.ok(!page.url().includes(shared.token));
    assert.equal(await state(page), 'ready');
    assert.equal(await heading(page), 'Réassort du code de vote');
    assert.match(await page.locator('main').textContent(), /Munissez-vous d’un stylo et d’une feuille, ou de votre téléphone/);
    assert.equal(await page.locator('#header-logout').count(), 0, 'not logged in on this device');
    await audit(page, 'link');

    // Time stands still from here: the page's clock moves only when told.
    await page.clock.pauseAt(Date.now() + 1000);
    await page.getByRole('button', { name: 'Régénérer mon code de vote' }).click();
    await page.locator('main .view[data-reissue=shown]').waitFor();
    const shown = await codeOnScreen(page);
    assert.match(shown, CODE_TEXT);
    const code = shown.replace(/ /g, '-');
    assert.equal(await page.locator('.countdown .clock').textContent(), '2:00');
    assert.equal(await page.locator('.countdown').getAttribute('role'), 'timer');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'new-code-title');

    // The server has the new code's credential; the old one is revoked.
    const after = await serverRecord(0);
    assert.equal(after.credential, booth.credential(urn.manifest.id, code));
    assert.notEqual(after.credential, before.credential);
    assert.deepEqual(after.revoked_credentials, [before.credential]);
    // (axe-core waits on timers, which stand still here: it runs on this
    // state in the phone test below, and on this page once time flows again.)
    await shot(page, 'code');

    await page.getByRole('button', { name: 'Copier le code' }).click();
    await page.getByText('Code copié dans le presse-papiers.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);
    assert.match(await page.locator('.clipboard-note').textContent(), /reste dans le presse-papiers/);

    await page.clock.fastForward('01:59');
    assert.equal(await page.locator('.countdown .clock').textContent(), '0:01');
    assert.equal(await codeOnScreen(page), shown, 'still shown at 1:59');
    assert.equal(await moduleSays(page), 'shown');
    await shot(page, 'code-1s');

    await page.clock.fastForward('00:02');
    await page.locator('main .view[data-reissue=gone]').waitFor();
    assert.equal(await page.locator('.code-display').count(), 0);
    const text = await page.locator('main').textContent();
    for (const group of shown.split(' ')) assert.ok(!text.includes(group), `${group} left on the page`);
    assert.equal(await page.evaluate((groups) => groups.some((g) => document.body.innerText.includes(g)),
      shown.split(' ')), false);
    await page.getByText('Le code n’est plus affiché.').waitFor();
    assert.equal(await moduleSays(page), 'code_expired', 'the module has wiped it');
    await page.clock.resume();
    await audit(page, 'gone');
    shared.newCode = code;
    shared.oldCode = v.code;
  }],

  ['the used link again: refused in words, no code made', async ({ browser }) => {
    const { page } = await newPage(browser);
    await visit(page, `/reassort#${shared.token}`);
    await page.getByRole('button', { name: 'Régénérer mon code de vote' }).click();
    await page.locator('main .view[data-reissue=failed]').waitFor();
    assert.match(await alertText(page), /Ce lien a déjà servi : demandez-en un nouveau\./);
    assert.equal(await page.locator('.code-display').count(), 0);
    assert.equal(await moduleSays(page), 'no_code', 'the refused code was wiped from the module');
    assert.equal(await page.getByRole('link', { name: 'Demander un nouveau réassort' }).getAttribute('href'), '/reassort');
    await audit(page, 'used');
  }],

  ['with the new code the vote goes through /vote; the old code is refused', async () => {
    const page = shared.pageA;
    await visit(page, '/vote');
    const title = urn.manifest.scrutins.find((s) => s.id === 'capn-2d').title;
    const codeStep = page.getByRole('heading', { name: 'Saisissez votre code de vote', exact: true });
    await codeStep.waitFor();
    await page.getByLabel('Code de vote').fill(shared.oldCode);
    await page.getByRole('button', { name: 'Valider mon code' }).click();
    const message = page.locator('isoloir-booth .ib-message');
    // The widget finds the old code's credential in /api/v1/me's
    // revoked_credentials: invalidated, not mistyped.
    await message.filter({ hasText: /Votre code de vote a été invalidé/ }).waitFor();
    shared.oldCodeMessage = (await message.textContent()).trim();
    await shot(page, 'vote-old-code');
    // The server's own answer to a ballot signed with the old code.
    const old = await castOverApi(0, shared.oldCode, 'csa-academique', 'fsu');
    assert.deepEqual([old.status, old.body.error], [403, 'revoked_credential']);

    await page.getByLabel('Code de vote').fill(shared.newCode.toLowerCase());
    await page.getByRole('button', { name: 'Valider mon code' }).click();
    await page.getByRole('heading', { name: 'Choix du scrutin', exact: true }).waitFor();
    await page.getByRole('button', { name: `Voter ${title}` }).click();
    await page.getByRole('heading', { name: 'Constitution du bulletin', exact: true }).waitFor();
    await page.getByRole('button', { name: "Je veux voter, j'active la sélection de mon choix de vote" }).click();
    await page.locator('isoloir-booth input[value="fsu"]').check();
    await page.getByRole('button', { name: 'Valider mon choix' }).click();
    await page.getByRole('heading', { name: 'Confirmation de votre vote', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Je vote' }).click();
    await page.getByRole('heading', { name: 'Accusé de réception', exact: true }).waitFor({ timeout: 30000 });
    assert.equal(await page.locator('isoloir-booth .ib-alarm').count(), 0);
    await shot(page, 'vote-new-code');
    const me = await serverRecord(0);
    assert.deepEqual(me.scrutins.includes('capn-2d'), true);
  }],

  ['re-issue by NIR and SMS: the texted link, a language switch keeps the code, "J\'ai noté" wipes it', async ({ browser }) => {
    const v = urn.voters[1];
    const { page } = await newPage(browser);
    await login(page, v);
    await visit(page, '/reassort');
    await fillRequest(page, { answer: v.answer, nir: `${v.nir.slice(0, 1)} ${v.nir.slice(1, 3)} ${v.nir.slice(3)}` });
    await submitRequest(page);
    await page.locator('.reissue-sent').waitFor();
    assert.equal(await page.locator('.reissue-sent p').first().textContent(),
      `Un lien vous a été envoyé à +33*******${v.phone.slice(-2)} ; il est valable 15 minutes.`);
    const sms = urn.texts().at(-1);
    assert.equal(sms.to, v.phoneE164);
    assert.match(sms.text, /\/reassort#[A-Za-z0-9_-]{43}/);
    const token = urn.latestSmsToken(v.phone);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);

    // The phone: a small screen, not logged in.
    const phone = (await newPage(browser, { viewport: { width: 390, height: 844 } })).page;
    await visit(phone, `/reassort#${token}`);
    await audit(phone, 'link-phone');
    await phone.getByRole('button', { name: 'Régénérer mon code de vote' }).click();
    await phone.locator('main .view[data-reissue=shown]').waitFor();
    const shown = await codeOnScreen(phone);
    assert.match(shown, CODE_TEXT);
    assert.equal((await serverRecord(1)).credential, booth.credential(urn.manifest.id, shown.replace(/ /g, '-')));
    await audit(phone, 'code-phone');

    await phone.getByRole('button', { name: 'Switch to English' }).click();
    assert.equal(await heading(phone), 'A new vote code');
    await phone.getByRole('heading', { name: 'Your new vote code' }).waitFor();
    assert.equal(await codeOnScreen(phone), shown, 'the code stays on screen across a language switch');
    await shot(phone, 'code-phone-en');
    await phone.getByRole('button', { name: 'Passer en français' }).click();
    await phone.getByRole('heading', { name: 'Votre nouveau code de vote' }).waitFor();

    await phone.getByRole('button', { name: 'J’ai noté mon code : l’effacer' }).click();
    await phone.locator('main .view[data-reissue=gone]').waitFor();
    assert.equal(await codeOnScreen(phone), '');
    assert.equal(await moduleSays(phone), 'no_code');
    await audit(phone, 'gone-phone');
  }],

  ['another voter\'s link while logged in is refused (its owner can still use it; leaving the page wipes the code); a malformed link', async ({ browser }) => {
    const owner = urn.voters[3];
    const other = urn.voters[2];
    const { page: ownerPage } = await newPage(browser);
    await login(ownerPage, owner);
    await visit(ownerPage, '/reassort');
    await fillRequest(ownerPage, { answer: owner.answer, numen: owner.numen });
    await submitRequest(ownerPage);
    await ownerPage.locator('.reissue-sent').waitFor();
    const token = urn.latestSmsToken(owner.phone);

    const { page } = await newPage(browser);
    await login(page, other);
    await visit(page, `/reassort#${token}`);
    await page.getByRole('button', { name: 'Régénérer mon code de vote' }).click();
    await page.locator('main .view[data-reissue=failed]').waitFor();
    assert.match(await alertText(page), /Ce lien est celui d’un autre électeur/);
    assert.match(await page.locator('main').textContent(), /Le lien n’a pas servi/);
    assert.equal(await moduleSays(page), 'no_code');
    await audit(page, 'foreign');

    // Not used up: its owner, logged in on their own device, gets the code;
    // leaving the page wipes it from the module at once.
    await visit(ownerPage, `/reassort#${token}`);
    await ownerPage.getByRole('button', { name: 'Régénérer mon code de vote' }).click();
    await ownerPage.locator('main .view[data-reissue=shown]').waitFor();
    const shown = await codeOnScreen(ownerPage);
    assert.equal((await serverRecord(3)).credential, booth.credential(urn.manifest.id, shown.replace(/ /g, '-')));
    assert.equal(await moduleSays(ownerPage), 'shown');
    await ownerPage.locator('#site-footer').getByRole('link', { name: 'Accueil' }).click();
    await ownerPage.getByRole('heading', { level: 1, name: 'Mon espace électeur' }).waitFor();
    // The page's next tick (within a second) finds itself detached and wipes the code.
    let says = '';
    for (let i = 0; i < 50 && says !== 'no_code'; i++) {
      says = await moduleSays(ownerPage);
      if (says !== 'no_code') await ownerPage.waitForTimeout(100);
    }
    assert.equal(says, 'no_code', 'wiped when the voter left the page');
    await ownerPage.goBack();
    await settle(ownerPage);
    assert.equal(await state(ownerPage), 'gone', 'back on the page: the code is not shown again');
    assert.equal(await codeOnScreen(ownerPage), '');

    await visit(page, '/reassort#pas-un-lien');
    assert.equal(await state(page), 'failed');
    assert.match(await alertText(page), /Ce lien n'est pas valide/);
    assert.equal(await page.getByRole('button', { name: 'Régénérer mon code de vote' }).count(), 0);
  }],

  ['back from the FranceConnect route: where the link went, or why not', async ({ browser }) => {
    const { page } = await newPage(browser);
    await visit(page, '/reassort?sent=email&to=j***%40example.net');
    await page.locator('.reissue-sent').waitFor();
    assert.equal(await page.locator('.reissue-sent p').first().textContent(), 'Un lien vous a été envoyé à j***@example.net.');
    // Anyone can make such an address (issue 9, finding 11): other text is not shown.
    await visit(page, '/reassort?sent=email&to=' + encodeURIComponent('votre conseiller. Appelez le 08 00 00 00 00'));
    await page.locator('.reissue-sent').waitFor();
    assert.equal(await page.locator('.reissue-sent p').first().textContent(),
      'Un lien vous a été envoyé à votre adresse électronique.');
    await login(page, urn.voters[2]);
    await visit(page, '/reassort?error=identity_mismatch');
    assert.match(await alertText(page), /L’identité FranceConnect ne correspond pas à la vôtre/);
    assert.equal(await page.getByRole('button', { name: 'Recevoir mon lien' }).count(), 1, 'the form to try the other way');
    await audit(page, 'oidc-error');
  }],

  ['no page error, no CSP violation, no unexpected console error', () => {
    assert.deepEqual(problems, []);
  }],

  ['axe-core: no serious or critical violation on the re-issue pages (report)', () => {
    const minor = axeReport.flatMap((r) => r.violations.map((v) => `${r.name}: ${v.impact} ${v.id} (${v.nodes.length})`));
    console.log(`    axe-core on ${axeReport.length} page states: ${minor.length ? minor.join('; ') : 'no violation at all'}`);
    if (shared.oldCodeMessage) console.log(`    the widget's words for the old code: « ${shared.oldCodeMessage} »`);
    fs.writeFileSync(path.join(resultsDir, 'reissue-axe.json'), JSON.stringify(axeReport, null, 2));
  }],
];
