// The voter's whole journey in one browser context, the steps of
// journey.spec.mjs as a function of the origin the browser uses, so that a
// spec can run it through a proxy (nginx.spec.mjs): the activation link
// from the mail, the password, login, "Je vote" with the notice's code, a
// scrutin, the choice, the confirmation, the receipt whose reference the
// browser computed, both downloads verified with the core in Node, the
// deposit proof refused a second time, and the ballot found on the public
// /verifier page. Screenshots: test-results/PREFIX-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const PASSWORD = 'Mon-Vote-2026-Sûr!';

async function readDownload(page, click) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return fs.readFileSync(await download.path(), 'utf8');
}

/**
 * Runs the journey of `urn.voters[voterIndex]` at `baseUrl` in a new context
 * of `browser` (created with `contextOptions`, closed at the end). `booth`:
 * a loaded booth (loadBooth()) to check the receipts. Resolves to
 * {reference, token, pageErrors, protocols} (protocols: the
 * nextHopProtocol of each page loaded, e.g. "h2").
 */
export async function voterJourney({ browser, urn, booth, baseUrl, resultsDir, prefix = 'journey',
  contextOptions = {}, voterIndex = 0 }) {
  const voter = urn.voters[voterIndex];
  const scrutin = urn.manifest.scrutins.find((s) => s.id === 'capn-2d');
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, acceptDownloads: true,
    ...contextOptions });
  const page = await context.newPage();
  const pageErrors = [];
  const protocols = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('load', async () => {
    try {
      protocols.push(await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.nextHopProtocol));
    } catch {
      // navigated away meanwhile
    }
  });
  let n = 0;
  const shot = (name) => page.screenshot({ path: path.join(resultsDir, `${prefix}-${++n}-${name}.png`), fullPage: true });
  try {
    // 1. Activation: ask for the link, open it from the mail.
    await page.goto(`${baseUrl}/activation`);
    await page.getByLabel(/Identifiant/).fill(voter.identifier);
    const previous = urn.latestToken(voter.identifier);
    await page.getByRole('button', { name: 'Recevoir mon lien d’activation' }).click();
    // The request carries a proof of work solved in the page; the 60 s bound
    // only keeps a broken server from hanging the test.
    const token = await urn.awaitToken(voter.identifier, 'activation', previous);
    assert.equal(token.length, 43, 'the activation link arrived in the outbox');
    await page.goto(`${baseUrl}/activation#${token}`);
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
    const again = await context.request.get(`${baseUrl}/api/v1/me/scrutins/${scrutin.id}/deposit`);
    assert.equal(again.status(), 410);
    assert.equal((await again.json()).error, 'deposit_already_served');
    const cookies = await context.cookies();

    // 6. Anyone finds the ballot on the public page, proof checked in the browser.
    const visitorContext = await browser.newContext(contextOptions);
    const visitor = await visitorContext.newPage();
    visitor.on('pageerror', (err) => pageErrors.push(String(err)));
    await visitor.goto(`${baseUrl}/verifier`);
    protocols.push(await visitor.evaluate(() => performance.getEntriesByType('navigation')[0]?.nextHopProtocol));
    await visitor.getByLabel(/^Référence du bulletin/).fill(reference);
    await visitor.getByRole('button', { name: 'Vérifier' }).click();
    const verdict = visitor.locator('.verdict-ok .verdict-title');
    await verdict.waitFor({ timeout: 30000 });
    assert.match(await verdict.textContent(), /Votre bulletin est bien dans l’urne/);
    await visitor.screenshot({ path: path.join(resultsDir, `${prefix}-${++n}-verifier.png`), fullPage: true });
    await visitorContext.close();
    return { reference, token, pageErrors, protocols, cookies };
  } finally {
    await context.close();
  }
}
