// The server client the widget and the portal share (web/booth/api.js), on a
// fake fetch that records each request and answers as the server would:
// the CSRF header only on state-changing calls, bodies sent byte for byte,
// every refusal an ApiError with the server's reason, detail, status and
// Retry-After, a network failure as network_error.
import { describe, expect, test } from '@jest/globals';
import { ApiError, IsoloirApi } from '../../web/booth/api.js';

// A fetch that answers from `routes` ("METHOD /path" -> {status, body, headers})
// and keeps every call.
function fakeFetch(routes = {}) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, ...init });
    const u = new URL(url, 'http://page.example');
    const route = routes[`${init.method} ${u.pathname}`];
    if (route instanceof Error) throw route;
    const { status = 200, body = {}, headers = {} } = route || { status: 404, body: { error: 'not_found', detail: 'no route' } };
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers: { 'Content-Type': 'application/json', ...headers } });
  };
  return { fetch, calls };
}

const SESSION = { identifier: 'jeanne@ac-test.fr', csrf_token: 'csrf-123', expires_at: '2026-12-01T10:00:00Z' };

describe('IsoloirApi: requests', () => {
  test('the CSRF token from the login goes on POST and DELETE, never on GET', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/session': { status: 201, body: SESSION },
      'GET /api/v1/me': { body: { identifier: 'jeanne@ac-test.fr' } },
      'GET /api/v1/me/scrutins': { body: { now: '2026-12-01T09:00:00Z', scrutins: [] } },
      'POST /api/v1/ballots': { status: 201, body: { reference: 'r' } },
      'POST /api/v1/reclamations': { status: 201, body: { id: 1 } },
      'GET /api/v1/me/scrutins/capn-2d/emargement': { body: '{"kind":"emargement"}' },
      'DELETE /api/v1/session': { status: 204 },
    });
    const api = new IsoloirApi('', fetch);
    await api.login('jeanne@ac-test.fr', 'pw');
    expect(calls[0].headers['X-CSRF-Token']).toBeUndefined(); // no token before the login
    await api.me();
    await api.myScrutins();
    await api.emargement('capn-2d');
    await api.cast('{"ballot":1}');
    await api.reclamation('capn-2d', 'texte');
    expect(api.csrf).toBe('csrf-123');
    await api.logout();
    expect(api.csrf).toBe('');
    const csrf = calls.map((c) => [c.method, new URL(c.url, 'http://x').pathname, c.headers['X-CSRF-Token'] || '']);
    expect(csrf).toEqual([
      ['POST', '/api/v1/session', ''],
      ['GET', '/api/v1/me', ''],
      ['GET', '/api/v1/me/scrutins', ''],
      ['GET', '/api/v1/me/scrutins/capn-2d/emargement', ''],
      ['POST', '/api/v1/ballots', 'csrf-123'],
      ['POST', '/api/v1/reclamations', 'csrf-123'],
      ['DELETE', '/api/v1/session', 'csrf-123'],
    ]);
  });

  test('GET /api/v1/session gives the token again to a reloaded page', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /api/v1/session': { body: SESSION },
      'POST /api/v1/ballots': { status: 201, body: {} },
    });
    const api = new IsoloirApi('', fetch);
    await api.session();
    await api.cast('{}');
    expect(calls[1].headers['X-CSRF-Token']).toBe('csrf-123');
  });

  test('a ballot is sent byte for byte as JSON; objects are serialised; GETs have no body', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/ballots': { status: 201, body: {} },
      'POST /api/v1/account/activation-link': { status: 202, body: {} },
      'GET /api/v1/me': { body: {} },
    });
    const api = new IsoloirApi('', fetch);
    const ballot = '{"answers":[],"scrutin":"capn-2d","x":"é\\u0000"}';
    await api.cast(ballot);
    expect(calls[0].body).toBe(ballot);
    expect(calls[0].headers['Content-Type']).toBe('application/json');
    await api.requestActivationLink('jeanne@ac-test.fr');
    expect(JSON.parse(calls[1].body)).toEqual({ identifier: 'jeanne@ac-test.fr' });
    await api.me();
    expect(calls[2].body).toBeUndefined();
    expect(calls[2].headers['Content-Type']).toBeUndefined();
  });

  test('same origin by default; another origin (trailing slashes trimmed) with credentials', async () => {
    const same = fakeFetch({ 'GET /api/v1/me': { body: {} } });
    await new IsoloirApi('', same.fetch).me();
    expect(same.calls[0].url).toBe('/api/v1/me');
    expect(same.calls[0].credentials).toBe('same-origin');
    expect(same.calls[0].cache).toBe('no-store');
    const other = fakeFetch({ 'GET /api/v1/me': { body: {} } });
    await new IsoloirApi('https://vote.example.org//', other.fetch).me();
    expect(other.calls[0].url).toBe('https://vote.example.org/api/v1/me');
    expect(other.calls[0].credentials).toBe('include');
  });

  test('path parameters are encoded', async () => {
    const { fetch, calls } = fakeFetch({});
    const api = new IsoloirApi('', fetch);
    await api.emargement('a/b?c').catch(() => {});
    await api.electors('capn-2d', 'Dupont & co', 50, 10).catch(() => {});
    expect(calls[0].url).toBe('/api/v1/me/scrutins/a%2Fb%3Fc/emargement');
    expect(calls[1].url).toBe('/api/v1/scrutins/capn-2d/electors?name=Dupont+%26+co&from=50&limit=10');
  });

  test('text answers (manifest, émargement) come back as the exact text', async () => {
    const manifest = '{"id":"men-2022","title":"É"}';
    const { fetch } = fakeFetch({ 'GET /api/v1/board/manifest': { body: manifest } });
    expect(await new IsoloirApi('', fetch).manifest()).toBe(manifest);
  });
});

describe('IsoloirApi: refusals', () => {
  const refused = async (route, call) => {
    const { fetch } = fakeFetch(route);
    try {
      await call(new IsoloirApi('', fetch));
    } catch (e) {
      return e;
    }
    throw new Error('expected a refusal');
  };

  test('the server\'s reason, detail and status', async () => {
    const e = await refused({ 'POST /api/v1/ballots': { status: 409, body: { error: 'already_voted', detail: 'one ballot per scrutin' } } },
      (api) => api.cast('{}'));
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'ApiError', status: 409, error: 'already_voted', detail: 'one ballot per scrutin', retryAfter: 0 });
    expect(e.message).toBe('already_voted: one ballot per scrutin');
  });

  test('429 carries Retry-After in seconds', async () => {
    const e = await refused({
      'POST /api/v1/session': { status: 429, body: { error: 'locked', detail: 'later' }, headers: { 'Retry-After': '120' } },
    }, (api) => api.login('a', 'b'));
    expect(e).toMatchObject({ status: 429, error: 'locked', retryAfter: 120 });
  });

  test('a Retry-After that is not a number of seconds counts as 0', async () => {
    const e = await refused({
      'POST /api/v1/session': { status: 429, body: { error: 'too_many_attempts' }, headers: { 'Retry-After': 'soon' } },
    }, (api) => api.login('a', 'b'));
    expect(e.retryAfter).toBe(0);
  });

  test('a body that is not JSON (a proxy\'s error page): the status is the reason', async () => {
    const e = await refused({ 'GET /api/v1/me': { status: 502, body: '<html>Bad Gateway</html>' } }, (api) => api.me());
    expect(e).toMatchObject({ status: 502, error: 'http_502', detail: '' });
  });

  test('401 without a session; the login keeps no token after a refusal', async () => {
    const { fetch } = fakeFetch({ 'POST /api/v1/session': { status: 401, body: { error: 'bad_login', detail: '' } } });
    const api = new IsoloirApi('', fetch);
    await expect(api.login('a', 'b')).rejects.toMatchObject({ status: 401, error: 'bad_login' });
    expect(api.csrf).toBe('');
  });

  test('a network failure is network_error with status 0', async () => {
    const e = await refused({ 'GET /api/v1/me': new TypeError('Failed to fetch') }, (api) => api.me());
    expect(e).toMatchObject({ name: 'ApiError', status: 0, error: 'network_error', detail: 'Failed to fetch' });
  });
});
