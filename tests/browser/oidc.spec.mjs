// The FranceConnect route of the code re-issue (issue 5), end to end in
// Chromium: a real OpenID provider on loopback (npm oidc-provider, its
// development login pages), the real isoloir-server configured as its
// client, and a logged-in voter who goes to the provider, signs in,
// consents, and comes back to /reassort with the link mailed to the address
// the provider returned, then makes the new code from that link.
//
// The provider publishes an Ed25519, an RSA and a P-256 key, as a real one
// may, and signs ID tokens with the algorithm the client is registered
// for: the whole route runs with EdDSA, then RS256, then ES256
// (FranceConnect's), then after a key rotation (a new RSA key published and
// signing, which the server has not seen). Tokens signed by a key the
// provider does not publish, under a new kid or under a published one, are
// refused and the voter told so. Someone else's identity at the provider,
// and a forged callback, are refused too.
//
// Between phases the provider is rebuilt with the new configuration behind
// the same listening socket, as a provider's deployment would change.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Provider from 'oidc-provider';
import { loadBooth } from '../../web/booth/index.js';
import { freePort, startUrn } from './urn.mjs';

let urn;
let booth;
let providerServer;
let handler = null; // the current provider's request handler
let issuer;
const signedWith = []; // the headers of the ID tokens issued, in order

// What the provider knows of its users (their FranceConnect identities);
// each phase's voter has their own (urn.mjs names voter i after NAMES[i]).
const ACCOUNTS = {
  jeanne: { email: 'jeanne.fc@example.net', family_name: 'Dupont', given_name: 'Jeanne' }, // voter 0
  elodie: { email: 'elodie.fc@example.net', family_name: 'Martin', given_name: 'Élodie' }, // voter 1
  marc: { email: 'marc.fc@example.net', family_name: 'Durand', given_name: 'Marc' }, // voter 2
  zoe: { email: 'zoe.fc@example.net', family_name: 'Leroy', given_name: 'Zoé' }, // voter 3
  herve: { email: 'herve.fc@example.net', family_name: 'Lefèvre', given_name: 'Hervé' }, // voter 4
  intrus: { email: 'intrus@example.net', family_name: 'Martin', given_name: 'Paul' },
};

// A private JWK for the provider, drawn now: nothing fixed in advance.
function privateJwk(kind, kid) {
  const { privateKey } = kind === 'rsa' ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    : kind === 'ec' ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : crypto.generateKeyPairSync('ed25519');
  const alg = { rsa: 'RS256', ec: 'ES256', ed: 'EdDSA' }[kind];
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

// The public half of a private JWK, as a key set shows it.
function publicJwk(jwk) {
  const pub = crypto.createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'jwk' });
  return { ...pub, kid: jwk.kid, alg: jwk.alg, use: 'sig' };
}

const KEYS = {
  ed1: privateJwk('ed', 'fc-ed-1'),
  rsa1: privateJwk('rsa', 'fc-rsa-1'),
  ec1: privateJwk('ec', 'fc-ec-1'),
  rsa2: privateJwk('rsa', 'fc-rsa-2'), // the rotation's
  stray: privateJwk('rsa', 'fc-rsa-9'), // never published
  impostor: privateJwk('rsa', 'fc-rsa-2'), // a published kid, another key
};

/**
 * (Re)builds the provider behind the listening socket: the client
 * registered for `alg`, signing with the first of `keys` of that type, and
 * its key set as `publish` rewrites it (the keys' public halves by default).
 */
function configureProvider({ alg, keys, publish = (shown) => shown }) {
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'isoloir',
      client_secret: 'fc-secret-for-tests',
      redirect_uris: [`${urn.url}/api/v1/code/oidc/callback`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: alg,
    }],
    jwks: { keys },
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
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/jwks' && ctx.body && Array.isArray(ctx.body.keys)) {
      ctx.body = { keys: publish(ctx.body.keys) };
    }
    // What the server was given, so that each phase checks its premise.
    if (ctx.path === '/token' && ctx.body && typeof ctx.body.id_token === 'string') {
      signedWith.push(JSON.parse(Buffer.from(ctx.body.id_token.split('.')[0], 'base64url')));
    }
  });
  provider.on('server_error', (_c, e) => console.log(`  provider: ${e}`));
  handler = provider.callback();
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

// From the réassort page of voter `i` to the provider (as `login`) and back:
// the page where the browser lands.
async function toProviderAndBack(browser, i, login, shots = null) {
  const context = await browser.newContext();
  await context.addCookies([await sessionCookie(urn.voters[i])]);
  const page = await context.newPage();
  await page.goto(`${urn.url}/reassort`);
  const fc = page.getByRole('link', { name: 'S’identifier avec FranceConnect' });
  await fc.waitFor();
  if (shots) await page.screenshot({ path: shots('0-reassort'), fullPage: true });
  await fc.click();
  await page.waitForURL((u) => u.toString().startsWith(issuer));
  if (shots) await page.screenshot({ path: shots('1-provider-login') });
  await signInAtProvider(page, login);
  await page.waitForURL(/\/reassort\?/, { timeout: 15000 });
  return { context, page };
}

// The last ID token the provider issued was signed with `jwk`'s alg and kid.
function assertSignedBy(jwk) {
  const last = signedWith[signedWith.length - 1] || {};
  assert.deepEqual({ alg: last.alg, kid: last.kid }, { alg: jwk.alg, kid: jwk.kid });
}

// The whole route for voter `i`: the mail to the provider's address, the
// link on another device, the new code made in the page and registered.
async function wholeRoute({ browser, resultsDir }, i, login, shot, signer) {
  const shots = (step) => path.join(resultsDir, `${shot}-${step}.png`);
  const { email } = ACCOUNTS[login];
  const before = mailsTo(email).length;
  const { context, page } = await toProviderAndBack(browser, i, login, shots);
  assertSignedBy(signer);
  const back = new URL(page.url());
  assert.equal(back.origin, urn.url);
  assert.equal(back.searchParams.get('sent'), 'email', page.url());
  assert.equal(back.searchParams.get('to'), `${email[0]}***@example.net`);
  await page.locator('.reissue-sent').waitFor();
  await page.screenshot({ path: shots('2-back') });
  const mails = mailsTo(email);
  assert.equal(mails.length, before + 1);
  const body = mails[mails.length - 1].replace(/=\r\n/g, '');
  const link = (body.match(/https?:\/\/[^\s]+\/reassort#[A-Za-z0-9_-]{43}/) || [])[0];
  assert.ok(link, 'a re-issue link in the mail');

  // The link on the voter's phone: the module makes the code, only its
  // credential goes to the server, which now holds it as the voter's.
  await new Promise((r) => setTimeout(r, 1100)); // past the import's second
  const phone = await (await browser.newContext()).newPage();
  await phone.goto(link);
  await phone.getByRole('button', { name: 'Régénérer mon code de vote' }).click();
  await phone.locator('main .view[data-reissue=shown]').waitFor();
  await phone.screenshot({ path: shots('3-new-code') });
  const code = (await phone.locator('main .view').innerText()).match(/[0-9A-Z]{5}(?:[- ]?[0-9A-Z]{5}){3}/);
  assert.ok(code, 'the new code is shown');
  const me = await (await context.request.get(`${urn.url}/api/v1/me`)).json();
  assert.equal(me.credential, booth.credential(urn.manifest.id, code[0]));
  assert.equal(me.revoked_credentials.length, 1);
  await phone.context().close();
  await context.close();
}

// Voter `i` signs in as `login` with the provider as now configured: the
// callback refuses the ID token, the page says so, nothing is mailed.
async function refusedToken({ browser, resultsDir }, i, login, shot, signer) {
  const { email } = ACCOUNTS[login];
  const before = mailsTo(email).length;
  const { context, page } = await toProviderAndBack(browser, i, login);
  assertSignedBy(signer);
  assert.equal(new URL(page.url()).searchParams.get('error'), 'bad_id_token', page.url());
  const alert = page.locator('.alert.shown');
  await alert.waitFor();
  assert.match(await alert.innerText(),
    /L’identité renvoyée par FranceConnect n’a pas pu être vérifiée.*aucun lien n’a été envoyé/s);
  await page.screenshot({ path: path.join(resultsDir, `${shot}.png`), fullPage: true });
  assert.equal(mailsTo(email).length, before);
  const me = await (await context.request.get(`${urn.url}/api/v1/me`)).json();
  assert.equal(me.revoked_credentials.length, 0, 'the code was not re-issued');
  await context.close();
}

// Every key published, each phase choosing the client's algorithm.
const ALL = [KEYS.ed1, KEYS.rsa1, KEYS.ec1];

export async function setup(ctx) {
  booth = await loadBooth();
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  urn = await startUrn({
    voters: 5,
    config: { oidc: { issuer, client_id: 'isoloir', client_secret: 'fc-secret-for-tests' } },
  });
  configureProvider({ alg: 'EdDSA', keys: ALL });
  providerServer = http.createServer((req, res) => handler(req, res));
  await new Promise((resolve) => { providerServer.listen(port, '127.0.0.1', resolve); });
  for (let i = 0; i < 5; i++) await urn.activate(i);
  ctx.oidc = { issuer };
}

export async function teardown() {
  if (providerServer) {
    providerServer.closeAllConnections();
    await new Promise((r) => providerServer.close(r));
  }
  if (urn) {
    await urn.stop();
    urn.cleanup();
  }
}

export const tests = [
  ['EdDSA: from the réassort page, the voter signs in at the provider; the mailed link makes the new code', async (ctx) => {
    configureProvider({ alg: 'EdDSA', keys: ALL });
    await wholeRoute(ctx, 0, 'jeanne', 'oidc-eddsa', KEYS.ed1);
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

  ['RS256 (FranceConnect): the whole route', async (ctx) => {
    configureProvider({ alg: 'RS256', keys: ALL });
    await wholeRoute(ctx, 1, 'elodie', 'oidc-rs256', KEYS.rsa1);
  }],

  ['ES256 (FranceConnect): the whole route', async (ctx) => {
    configureProvider({ alg: 'ES256', keys: ALL });
    await wholeRoute(ctx, 2, 'marc', 'oidc-es256', KEYS.ec1);
  }],

  ['a rotated key: the provider publishes a new RSA key and signs with it; its tokens verify', async (ctx) => {
    configureProvider({ alg: 'RS256', keys: [KEYS.rsa2, ...ALL] });
    const shown = await (await fetch(`${issuer}/jwks`)).json();
    assert.deepEqual(shown.keys.map((k) => k.kid), ['fc-rsa-2', 'fc-ed-1', 'fc-rsa-1', 'fc-ec-1']);
    await wholeRoute(ctx, 3, 'zoe', 'oidc-rotated', KEYS.rsa2);
  }],

  ['a token signed by a key the provider does not publish is refused, and the voter told so', async (ctx) => {
    // Signing with fc-rsa-9, which its key set leaves out.
    configureProvider({
      alg: 'RS256',
      keys: [KEYS.stray, KEYS.rsa2, ...ALL],
      publish: (shown) => shown.filter((k) => k.kid !== KEYS.stray.kid),
    });
    await refusedToken(ctx, 4, 'herve', 'oidc-unknown-key', KEYS.stray);
    // Signing with another key under the published kid fc-rsa-2.
    configureProvider({
      alg: 'RS256',
      keys: [KEYS.impostor, ...ALL],
      publish: (shown) => [publicJwk(KEYS.rsa2), ...shown.filter((k) => k.kid !== KEYS.impostor.kid)],
    });
    await refusedToken(ctx, 4, 'herve', 'oidc-impostor-key', KEYS.impostor);
    // The same voter, the provider fixed: the route works again.
    configureProvider({ alg: 'RS256', keys: [KEYS.rsa2, ...ALL] });
    await wholeRoute(ctx, 4, 'herve', 'oidc-after-refusal', KEYS.rsa2);
  }],
];
