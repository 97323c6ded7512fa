// The client methods the portal added to IsoloirApi (web/booth/api.js) for
// the proof of work and the code's re-issue, on a fake fetch: the exact
// requests (method, path, body, CSRF header), the old calls unchanged.
import { describe, expect, test } from '@jest/globals';
import { ApiError, IsoloirApi } from '../../web/booth/api.js';

function fakeFetch(routes = {}) {
  const calls = [];
  const fetch = async (url, init) => {
    const u = new URL(url, 'http://page.example');
    calls.push({ method: init.method, path: u.pathname + u.search, headers: init.headers,
      body: init.body === undefined ? undefined : JSON.parse(init.body) });
    const route = routes[`${init.method} ${u.pathname}`];
    const { status = 200, body = {}, headers = {} } = route || { status: 404, body: { error: 'not_found' } };
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
  };
  return { fetch, calls };
}

const SESSION = { identifier: 'jeanne@ac-test.fr', csrf_token: 'csrf-9', expires_at: '2026-12-01T10:00:00Z' };
const POW = { challenge: 'Q2hhbGxlbmdl', difficulty: 8, expires_in: 300 };

describe('the proof of work', () => {
  test('pow(purpose) asks GET /api/v1/pow?purpose=...', async () => {
    const { fetch, calls } = fakeFetch({ 'GET /api/v1/pow': { body: POW } });
    const api = new IsoloirApi('', fetch);
    expect(await api.pow('reissue')).toEqual(POW);
    expect(calls).toEqual([{ method: 'GET', path: '/api/v1/pow?purpose=reissue', headers: {}, body: undefined }]);
  });

  test('solvedPow hands the challenge and difficulty to the solver, and gives {challenge, nonce}', async () => {
    const { fetch } = fakeFetch({ 'GET /api/v1/pow': { body: POW } });
    const api = new IsoloirApi('', fetch);
    const seen = [];
    const r = await api.solvedPow('login', async (c, d) => { seen.push([c, d]); return 4242; });
    expect(seen).toEqual([['Q2hhbGxlbmdl', 8]]);
    expect(r).toEqual({ challenge: 'Q2hhbGxlbmdl', nonce: 4242, difficulty: 8 });
  });

  test('with difficulty 0 the solver is not called', async () => {
    const { fetch } = fakeFetch({ 'GET /api/v1/pow': { body: { ...POW, difficulty: 0 } } });
    const api = new IsoloirApi('', fetch);
    const r = await api.solvedPow('link', () => { throw new Error('not called'); });
    expect(r).toEqual({ challenge: 'Q2hhbGxlbmdl', nonce: 0, difficulty: 0 });
  });

  test('login and the link requests carry pow_challenge and pow_nonce (decimal text)', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/session': { status: 201, body: SESSION },
      'POST /api/v1/account/activation-link': { status: 202, body: { status: 'sent_if_applicable' } },
      'POST /api/v1/account/password-link': { status: 202, body: { status: 'sent_if_applicable' } },
    });
    const api = new IsoloirApi('', fetch);
    const pow = { challenge: 'abc', nonce: 9007199254740991 };
    await api.login('jeanne@ac-test.fr', 'pw', pow);
    await api.requestActivationLink('jeanne@ac-test.fr', pow);
    await api.requestPasswordLink('jeanne@ac-test.fr', { challenge: 'def', nonce: 0 });
    expect(calls.map((c) => c.body)).toEqual([
      { identifier: 'jeanne@ac-test.fr', password: 'pw', pow_challenge: 'abc', pow_nonce: '9007199254740991' },
      { identifier: 'jeanne@ac-test.fr', pow_challenge: 'abc', pow_nonce: '9007199254740991' },
      { identifier: 'jeanne@ac-test.fr', pow_challenge: 'def', pow_nonce: '0' },
    ]);
    expect(api.csrf).toBe('csrf-9');
  });

  test('without a pow the old calls send what they always sent', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/session': { status: 201, body: SESSION },
      'POST /api/v1/account/activation-link': { status: 202, body: {} },
      'POST /api/v1/account/password-link': { status: 202, body: {} },
    });
    const api = new IsoloirApi('', fetch);
    await api.login('jeanne@ac-test.fr', 'pw');
    await api.requestActivationLink('jeanne@ac-test.fr');
    await api.requestPasswordLink('jeanne@ac-test.fr');
    expect(calls.map((c) => c.body)).toEqual([
      { identifier: 'jeanne@ac-test.fr', password: 'pw' },
      { identifier: 'jeanne@ac-test.fr' },
      { identifier: 'jeanne@ac-test.fr' },
    ]);
  });

  test('pow_required is an ApiError with the server\'s reason', async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/session': { status: 403, body: { error: 'pow_required', detail: 'solve a challenge' } },
    });
    const api = new IsoloirApi('', fetch);
    await expect(api.login('a@b.fr', 'pw')).rejects.toMatchObject({ name: 'ApiError', status: 403, error: 'pow_required' });
  });
});

describe('the re-issue ("réassort")', () => {
  const SENT = { channel: 'sms', to: '+33*******78', expires_in: 900 };

  async function loggedIn(routes) {
    const f = fakeFetch({ 'POST /api/v1/session': { status: 201, body: SESSION }, ...routes });
    const api = new IsoloirApi('', f.fetch);
    await api.login('jeanne@ac-test.fr', 'pw');
    f.calls.length = 0;
    return { api, calls: f.calls };
  }

  test('requestReissueLink by NUMEN and SMS: the CSRF token, the proof, no e-mail member', async () => {
    const { api, calls } = await loggedIn({ 'POST /api/v1/code/reissue-link': { status: 202, body: SENT } });
    const r = await api.requestReissueLink({ answer: 'Saint-Étienne', numen: '08E0612300ABC', channel: 'sms',
      email: 'ignored@example.net' }, { challenge: 'ch', nonce: 77 });
    expect(r).toEqual(SENT);
    expect(calls).toEqual([{ method: 'POST', path: '/api/v1/code/reissue-link',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': 'csrf-9' },
      body: { answer: 'Saint-Étienne', numen: '08E0612300ABC', channel: 'sms', pow_challenge: 'ch', pow_nonce: '77' } }]);
  });

  test('requestReissueLink by NIR and e-mail', async () => {
    const { api, calls } = await loggedIn({ 'POST /api/v1/code/reissue-link': { status: 202, body: SENT } });
    await api.requestReissueLink({ answer: 'a', nir: '2850675112', numen: '', channel: 'email',
      email: 'jeanne.perso@example.net' }, { challenge: 'ch', nonce: 1 });
    expect(calls[0].body).toEqual({ answer: 'a', nir: '2850675112', channel: 'email',
      email: 'jeanne.perso@example.net', pow_challenge: 'ch', pow_nonce: '1' });
  });

  test.each([
    [403, 'reissue_refused'], [400, 'bad_numen'], [400, 'same_email'], [409, 'no_phone'], [503, 'sms_unavailable'],
  ])('a refusal %d %s is an ApiError', async (status, error) => {
    const { api } = await loggedIn({ 'POST /api/v1/code/reissue-link': { status, body: { error, detail: 'd' } } });
    const e = await api.requestReissueLink({ answer: 'a', numen: 'X', channel: 'sms' }).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.error]).toEqual([status, error]);
  });

  test('a 429 says how long to wait', async () => {
    const { api } = await loggedIn({ 'POST /api/v1/code/reissue-link': { status: 429,
      body: { error: 'locked', detail: 'd' }, headers: { 'Retry-After': '3600' } } });
    await expect(api.requestReissueLink({ answer: 'a', numen: 'X', channel: 'sms' }))
      .rejects.toMatchObject({ error: 'locked', retryAfter: 3600 });
  });

  test('reissueCode posts {token, credential} and nothing else', async () => {
    const { fetch, calls } = fakeFetch({ 'POST /api/v1/code/reissue': { body: { status: 'reissued', issued_at: 'T' } } });
    const api = new IsoloirApi('', fetch);
    expect(await api.reissueCode('t'.repeat(43), 'c'.repeat(43))).toEqual({ status: 'reissued', issued_at: 'T' });
    expect(calls).toEqual([{ method: 'POST', path: '/api/v1/code/reissue',
      headers: { 'Content-Type': 'application/json' }, body: { token: 't'.repeat(43), credential: 'c'.repeat(43) } }]);
  });

  test.each([[410, 'token_used'], [410, 'token_expired'], [403, 'foreign_token'], [400, 'bad_token']])(
    'reissueCode: %d %s', async (status, error) => {
      const { fetch } = fakeFetch({ 'POST /api/v1/code/reissue': { status, body: { error } } });
      await expect(new IsoloirApi('', fetch).reissueCode('t', 'c')).rejects.toMatchObject({ status, error });
    });
});
