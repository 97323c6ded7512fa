// The FranceConnect route of the code re-issue (issue 5), end to end in
// Chromium: a real OpenID provider on loopback (npm oidc-provider, its
// development login pages, ID tokens signed with Ed25519), the real
// isoloir-server configured as its client, and a logged-in voter who goes
// to the provider, signs in, consents, and comes back to /reassort with the
// link mailed to the address the provider returned. Someone else's identity
// at the provider, and a forged callback, are refused.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Provider from 'oidc-provider';
import { loadBooth } from '../../web/booth/index.js';
import { freePort, startUrn } from './urn.mjs';

let urn;
let booth;
let provider;
let providerServer;
let issuer;

// What the provider knows of its users (their FranceConnect identities).
const ACCOUNTS = {
  jeanne: { email: 'jeanne.fc@example.net', family_name: 'Dupont', given_name: 'Jeanne' },
  intrus: { email: 'intrus@example.net', family_name: 'Martin', given_name: 'Paul' },
};

function ed25519Jwk() {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  return { ...privateKey.export({ format: 'jwk' }), kid: 'fc-1', alg: 'EdDSA', use: 'sig' };
}

// A session cookie for `voter` from the API, solving the proof of work when
// the server asks for one.
async function sessionCookie(voter) {
  const body = { identifier: voter.identifier, password: voter.password };
  const pow = await (await fetch(`${urn.url}/api/v1/pow?purpose=login`)).json();
  if (pow.difficulty > 0) {
    body.pow_challenge = pow.challenge;
    body.pow_nonce = String(await booth.solvePow(pow.challenge, pow.difficulty));
  }
  const r = await fetch(`${urn.url}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(r.status, 201, await r.text());
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const [name, value] = cookie.split('=');
  return { name, value, url: urn.url, httpOnly: true, sameSite: 'Strict' };
}

function mailsTo(address) {
  const dir = urn.outbox;
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'latin1'))
    .filter((t) => t.includes(`\r\nTo: ${address}\r\n`));
}

// Signs in at the provider's development pages and consents.
async function signInAtProvider(page, login) {
  await page.waitForSelector('input[name=login]');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'anything');
  await page.click('button[type=submit]');
  const consent = await page.waitForSelector('button[type=submit]', { timeout: 10000 });
  await consent.click();
}

export async function setup(ctx) {
  booth = await loadBooth();
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  urn = await startUrn({
    voters: 2,
    config: { oidc: { issuer, client_id: 'isoloir', client_secret: 'fc-secret-for-tests' } },
  });
  provider = new Provider(issuer, {
    clients: [{
      client_id: 'isoloir',
      client_secret: 'fc-secret-for-tests',
      redirect_uris: [`${urn.url}/api/v1/code/oidc/callback`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'EdDSA',
    }],
    jwks: { keys: [ed25519Jwk()] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    pkce: { required: () => true, methods: ['S256'] },
    conformIdTokenClaims: false, // the claims in the ID token itself, as FranceConnect does
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['family_name', 'given_name'] },
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx, id) => (ACCOUNTS[id] ? {
      accountId: id,
      claims: () => ({ sub: id, email_verified: true, ...ACCOUNTS[id] }),
    } : undefined),
  });
  provider.on('server_error', (_c, e) => console.log(`  provider: ${e}`));
  await new Promise((resolve) => { providerServer = provider.listen(port, '127.0.0.1', resolve); });
  await urn.activate(0);
  ctx.oidc = { issuer };
}

export async function teardown() {
  if (providerServer) await new Promise((r) => providerServer.close(r));
  if (urn) {
    await urn.stop();
    urn.cleanup();
  }
}

export const tests = [
  ['from the réassort page, the voter signs in at the provider; the mailed link makes the new code in the page', async ({ browser, resultsDir }) => {
    const context = await browser.newContext();
    await context.addCookies([await sessionCookie(urn.voters[0])]);
    const page = await context.newPage();
    await page.goto(`${urn.url}/reassort`);
    const fc = page.getByRole('link', { name: 'S’identifier avec FranceConnect' });
    await fc.waitFor();
    await page.screenshot({ path: path.join(resultsDir, 'oidc-0-reassort.png'), fullPage: true });
    await fc.click();
    await page.waitForURL((u) => u.toString().startsWith(issuer));
    await page.screenshot({ path: path.join(resultsDir, 'oidc-1-provider-login.png') });
    await signInAtProvider(page, 'jeanne');
    await page.waitForURL(/\/reassort\?/, { timeout: 15000 });
    const back = new URL(page.url());
    assert.equal(back.origin, urn.url);
    assert.equal(back.searchParams.get('sent'), 'email', page.url());
    assert.equal(back.searchParams.get('to'), 'j***@example.net');
    await page.locator('.reissue-sent').waitFor();
    await page.screenshot({ path: path.join(resultsDir, 'oidc-2-back.png') });
    const mails = mailsTo('jeanne.fc@example.net');
    assert.equal(mails.length, 1);
    const body = mails[0].replace(/=\r\n/g, '');
    const link = (body.match(/https?:\/\/[^\s]+\/reassort#[A-Za-z0-9_-]{43}/) || [])[0];
    assert.ok(link, 'a re-issue link in the mail');

    // The link on the voter's phone: the module makes the code, only its
    // credential goes to the server, which now holds it as the voter's.
    await new Promise((r) => setTimeout(r, 1100)); // past the import's second
    const phone = await (await browser.newContext()).newPage();
    await phone.goto(link);
    await phone.getByRole('button', { name: 'Régénérer mon code de vote' }).click();
    await phone.locator('main .view[data-reissue=shown]').waitFor();
    await phone.screenshot({ path: path.join(resultsDir, 'oidc-3-new-code.png') });
    const code = (await phone.locator('main .view').innerText()).match(/[0-9A-Z]{5}(?:[- ]?[0-9A-Z]{5}){3}/);
    assert.ok(code, 'the new code is shown');
    const me = await (await context.request.get(`${urn.url}/api/v1/me`)).json();
    assert.equal(me.credential, booth.credential(urn.manifest.id, code[0]));
    assert.equal(me.revoked_credentials.length, 1);
    await phone.context().close();
    await context.close();
  }],

  ['an identity of someone else at the provider is refused and nothing is sent', async ({ browser }) => {
    const before = mailsTo('intrus@example.net').length;
    const context = await browser.newContext();
    await context.addCookies([await sessionCookie(urn.voters[0])]);
    const page = await context.newPage();
    await page.goto(`${urn.url}/api/v1/code/oidc/start`);
    await signInAtProvider(page, 'intrus');
    await page.waitForURL(/\/reassort\?/, { timeout: 15000 });
    assert.equal(new URL(page.url()).searchParams.get('error'), 'identity_mismatch');
    assert.equal(mailsTo('intrus@example.net').length, before);
    await context.close();
  }],

  ['a callback the server did not start, or a replayed one, is refused', async () => {
    const r = await fetch(`${urn.url}/api/v1/code/oidc/callback?state=forged&code=x`, { redirect: 'manual' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/reassort?error=oidc_bad_state');
    // Without a session the route does not even start.
    const start = await fetch(`${urn.url}/api/v1/code/oidc/start`, { redirect: 'manual' });
    assert.equal(start.status, 401);
  }],
];
