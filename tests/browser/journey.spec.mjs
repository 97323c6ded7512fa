// The whole journey of issue 4 in one voter's browser, against the real
// isoloir-server serving the repo's pages (startUrn): the activation link
// from the mail, the password, login, "Je vote" with the code from the
// notice, a scrutin, the activation of the choice, the choice, the
// confirmation, the receipt with the reference the browser computed equal
// to the server's, both downloads verified with the core (in Node), the
// deposit proof refused a second time, and the reference found on the public
// /verifier page. Screenshots of each step: test-results/journey-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadBooth } from '../../web/booth/index.js';
import { startUrn } from './urn.mjs';

const PASSWORD = 'Mon-Vote-2026-Sûr!';
let urn;
let booth;

async function readDownload(page, click) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return fs.readFileSync(await download.path(), 'utf8');
}

export async function setup() {
  booth = await loadBooth();
  urn = await startUrn({ voters: 2 });
}

export async function teardown() {
  if (urn) {
    await urn.stop();
    urn.cleanup();
  }
}

export const tests = [
  ['a voter activates, logs in, votes, keeps both receipts and finds the ballot on the board', async ({ browser, resultsDir }) => {
    const voter = urn.voters[0];
    const scrutin = urn.manifest.scrutins.find((s) => s.id === 'capn-2d');
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    let n = 0;
    const shot = (name) => page.screenshot({ path: path.join(resultsDir, `journey-${++n}-${name}.png`), fullPage: true });

    // 1. Activation: ask for the link, open it from the mail.
    await page.goto(`${urn.url}/activation`);
    await page.getByLabel(/Identifiant/).fill(voter.identifier);
    await page.getByRole('button', { name: 'Recevoir mon lien d’activation' }).click();
    // The request carries a proof of work (about a second, longer on a loaded
    // machine): wait for the mail, with a deadline far from any machine's speed.
    for (const end = Date.now() + 60_000; Date.now() < end && !urn.latestToken(voter.identifier);) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const token = urn.latestToken(voter.identifier);
    assert.equal(token.length, 43, 'the activation link arrived in the outbox');
    await page.goto(`${urn.url}/activation#${token}`);
    await page.getByLabel(/^Mot de passe/).fill(PASSWORD);
    await page.getByLabel(/^Confirmez le mot de passe/).fill(PASSWORD);
    await page.getByLabel(/^Question/).selectOption({ index: 1 });
    await page.getByLabel(/^Votre réponse/).fill('Saint-Étienne');
    await shot('activation');
    await page.getByRole('button', { name: 'Activer mon compte' }).click();
    await page.getByText('Votre compte est activé.').waitFor();

    // 2. Login, then "Je vote".
    await page.getByLabel(/^Mot de passe \(obligatoire\)$/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('link', { name: /Je vote/ }).first().click();
    await page.getByLabel('Code de vote').fill(voter.code.toLowerCase());
    await shot('code');
    await page.getByRole('button', { name: 'Valider mon code' }).click();
    await page.getByRole('button', { name: `Voter ${scrutin.title}` }).waitFor();
    assert.match(await page.locator('isoloir-booth').innerText(), /Clôture dans \d+ j \d+ h \d+ min/);
    await shot('scrutins');

    // 3. The scrutin: choosing is off until the voter turns it on.
    await page.getByRole('button', { name: `Voter ${scrutin.title}` }).click();
    const fsu = page.locator('isoloir-booth input[value="fsu"]');
    assert.equal(await fsu.isDisabled(), true);
    await page.getByRole('button', { name: "Je veux voter, j'active la sélection de mon choix de vote" }).click();
    await fsu.check();
    await shot('ballot');
    await page.getByRole('button', { name: 'Valider mon choix' }).click();
    await page.getByRole('button', { name: 'Retour' }).waitFor();
    assert.match(await page.locator('isoloir-booth').innerText(), /définitif/);
    await shot('confirm');

    // 4–5. Je vote, then the receipt.
    await page.getByRole('button', { name: 'Je vote' }).click();
    await page.getByRole('heading', { name: 'Accusé de réception' }).waitFor({ timeout: 30000 });
    assert.equal(await page.locator('isoloir-booth [role=alert]').count(), 0, 'no alarm on the receipt');
    const reference = (await page.locator('isoloir-booth .ib-reference').textContent()).trim();
    assert.match(reference, /^[A-Za-z0-9_-]{43}$/);
    await shot('receipt');
    const deposit = await readDownload(page, () => page.getByRole('button', { name: 'Télécharger ma preuve de dépôt' }).click());
    const emargement = await readDownload(page, () => page.getByRole('button', { name: 'Télécharger mon émargement' }).click());
    const d = booth.verifyReceipt(urn.manifestText, deposit);
    assert.deepEqual([d.ok, d.kind, d.scrutin, d.reference], [true, 'deposit', scrutin.id, reference]);
    const e = booth.verifyReceipt(urn.manifestText, emargement);
    assert.deepEqual([e.ok, e.kind, e.scrutin], [true, 'emargement', scrutin.id]);

    // The deposit proof is given once: asking again is refused.
    const again = await context.request.get(`${urn.url}/api/v1/me/scrutins/${scrutin.id}/deposit`);
    assert.equal(again.status(), 410);
    assert.equal((await again.json()).error, 'deposit_already_served');

    // 7. Anyone finds the ballot on the public page, proof checked in the browser.
    const visitor = await (await browser.newContext()).newPage();
    await visitor.goto(`${urn.url}/verifier`);
    await visitor.getByLabel(/^Référence du bulletin/).fill(reference);
    await visitor.getByRole('button', { name: 'Vérifier' }).click();
    const verdict = visitor.locator('.verdict-ok .verdict-title');
    await verdict.waitFor({ timeout: 30000 });
    assert.match(await verdict.textContent(), /Votre bulletin est bien dans l’urne/);
    await visitor.screenshot({ path: path.join(resultsDir, `journey-${++n}-verifier.png`), fullPage: true });
    await visitor.context().close();
    assert.deepEqual(errors, []);
    await context.close();
  }],
];
