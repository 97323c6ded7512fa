// The client of the urn server's JSON API (docs/api.md, "HTTP API"), for the
// widget, the portal pages and integrators:
//
//   import { IsoloirApi, ApiError } from 'isoloir/api';
//   const api = new IsoloirApi();                 // same origin
//   await api.login('jeanne@ac-paris.fr', password);
//   const { scrutins } = await api.myScrutins();
//
// Every refusal is thrown as an ApiError carrying the server's stable reason
// (`error`), its detail, the HTTP status and, on 429, how long to wait. The
// CSRF token the login answer (or GET /api/v1/session) gives is kept here
// and sent on every state-changing request; the session cookie is the
// browser's business (HttpOnly, never readable by scripts).

/** A refusal from the server: `error` is the stable reason, e.g. "already_voted". */
export class ApiError extends Error {
  constructor(status, error, detail = '', retryAfter = 0, body = null) {
    super(detail ? `${error}: ${detail}` : error);
    this.name = 'ApiError';
    this.status = status;
    this.error = error;
    this.detail = detail;
    /** Seconds to wait before trying again (429), else 0. */
    this.retryAfter = retryAfter;
    /**
     * The refusal's whole JSON body, or null: some carry more than the reason,
     * e.g. weak_password's `classes` ({length, upper, lower, digit, special}).
     */
    this.body = body;
  }
}

const JSON_TYPE = 'application/json';

// A request body with a solved proof of work ({challenge, nonce}) added as
// the server reads it: pow_challenge, and pow_nonce in decimal as a string.
function withPow(body, pow) {
  if (!pow) return body;
  return { ...body, pow_challenge: String(pow.challenge), pow_nonce: String(pow.nonce) };
}

export class IsoloirApi {
  /**
   * @param {string} base the server's origin ("https://vote.example.org"), or
   *   '' for the page's own origin (the portal; an integrator that proxies /api).
   * @param {typeof fetch} fetchImpl for tests; the global fetch by default.
   */
  constructor(base = '', fetchImpl = undefined) {
    this.base = String(base).replace(/\/+$/, '');
    this.fetch = fetchImpl || ((...args) => globalThis.fetch(...args));
    this.csrf = '';
  }

  // --- transport -----------------------------------------------------------

  /**
   * One request. `body`: an object (sent as JSON) or a string (sent as is,
   * e.g. a ballot's canonical text). Resolves to the response for 2xx, else
   * throws ApiError.
   */
  async request(method, path, { body, csrf = false } = {}) {
    const headers = {};
    let payload;
    if (body !== undefined) {
      headers['Content-Type'] = JSON_TYPE;
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    if (csrf && this.csrf) headers['X-CSRF-Token'] = this.csrf;
    let res;
    try {
      res = await this.fetch(this.base + path, {
        method,
        headers,
        body: payload,
        credentials: this.base ? 'include' : 'same-origin',
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, 'network_error', String((e && e.message) || e));
    }
    if (res.ok) return res;
    let error = 'http_' + res.status;
    let detail = '';
    let refusal = null;
    try {
      const j = await res.json();
      if (j && typeof j === 'object' && !Array.isArray(j)) refusal = j;
      if (j && typeof j.error === 'string') error = j.error;
      if (j && typeof j.detail === 'string') detail = j.detail;
    } catch {
      // not JSON: keep the status as the reason
    }
    const retry = Number.parseInt(res.headers.get('Retry-After') || '0', 10);
    throw new ApiError(res.status, error, detail, Number.isFinite(retry) ? retry : 0, refusal);
  }

  async json(method, path, options) {
    const res = await this.request(method, path, options);
    return res.status === 204 ? null : res.json();
  }

  async text(method, path, options) {
    return (await this.request(method, path, options)).text();
  }

  // --- proof of work (GET /api/v1/pow) ---------------------------------------

  /**
   * A proof-of-work challenge for `purpose` ('login' | 'link' | 'reissue'):
   * {challenge, difficulty, expires_in}. Solve it with the booth
   * (`booth.solvePow(challenge, difficulty)`) and pass {challenge, nonce} as
   * the `pow` argument of login, requestActivationLink, requestPasswordLink
   * or requestReissueLink.
   */
  pow(purpose) {
    return this.json('GET', `/api/v1/pow?purpose=${encodeURIComponent(purpose)}`);
  }

  /**
   * A solved challenge for `purpose`: asks pow(purpose), then
   * `solve(challenge, difficulty)` (e.g. `(c, d) => booth.solvePow(c, d)`),
   * resolves to {challenge, nonce, difficulty}. With difficulty 0 (the
   * server's proof of work off) the solver is not called: any nonce passes.
   */
  async solvedPow(purpose, solve) {
    const { challenge, difficulty } = await this.pow(purpose);
    const nonce = difficulty > 0 ? await solve(challenge, difficulty) : 0;
    return { challenge, nonce, difficulty };
  }

  // --- accounts and sessions -----------------------------------------------

  /** `pow` (optional): {challenge, nonce}, a solved challenge of purpose 'link'. */
  requestActivationLink(identifier, pow = undefined) {
    return this.json('POST', '/api/v1/account/activation-link', { body: withPow({ identifier }, pow) });
  }
  /** `pow` (optional): {challenge, nonce}, a solved challenge of purpose 'link'. */
  requestPasswordLink(identifier, pow = undefined) {
    return this.json('POST', '/api/v1/account/password-link', { body: withPow({ identifier }, pow) });
  }
  /** @param {'activation'|'password'} purpose */
  linkStatus(token, purpose) {
    return this.json('POST', '/api/v1/account/link-status', { body: { token, purpose } });
  }
  activate({ token, password, question, answer }) {
    return this.json('POST', '/api/v1/account/activate', {
      body: { token, password, question, answer },
    });
  }
  resetPassword({ token, password }) {
    return this.json('POST', '/api/v1/account/password', { body: { token, password } });
  }
  /** `pow` (optional): {challenge, nonce}, a solved challenge of purpose 'login'. */
  async login(identifier, password, pow = undefined) {
    const s = await this.json('POST', '/api/v1/session', { body: withPow({ identifier, password }, pow) });
    this.csrf = s.csrf_token;
    return s;
  }
  /** The current session (and its CSRF token, kept); ApiError 401 when logged out. */
  async session() {
    const s = await this.json('GET', '/api/v1/session');
    this.csrf = s.csrf_token;
    return s;
  }
  async logout() {
    await this.json('DELETE', '/api/v1/session', { csrf: true });
    this.csrf = '';
  }

  // --- the voter -------------------------------------------------------------

  me() {
    return this.json('GET', '/api/v1/me');
  }
  myScrutins() {
    return this.json('GET', '/api/v1/me/scrutins');
  }
  /** Casts a ballot: `ballot` is its canonical text, sent byte for byte. */
  cast(ballot) {
    return this.json('POST', '/api/v1/ballots', { body: String(ballot), csrf: true });
  }
  /** The signed émargement's exact text. */
  emargement(scrutin) {
    return this.text('GET', `/api/v1/me/scrutins/${encodeURIComponent(scrutin)}/emargement`);
  }
  /** Always refused after the cast (410 deposit_already_served): the proof is given once. */
  deposit(scrutin) {
    return this.text('GET', `/api/v1/me/scrutins/${encodeURIComponent(scrutin)}/deposit`);
  }
  electors(scrutin, name, from = 0, limit = 50) {
    const q = new URLSearchParams({ name, from: String(from), limit: String(limit) });
    return this.json('GET', `/api/v1/scrutins/${encodeURIComponent(scrutin)}/electors?${q}`);
  }
  reclamation(scrutin, text) {
    return this.json('POST', '/api/v1/reclamations', { body: { scrutin, text }, csrf: true });
  }

  // --- the vote code's re-issue ("réassort") ---------------------------------

  /**
   * Asks for a single-use re-issue link (logged in, CSRF): `answer` to the
   * challenge question and either `numen` or `nir` (the first 10 digits of
   * the social-security number); `channel` 'sms' (the phone on file) or
   * 'email' with a personal `email`. `pow`: {challenge, nonce} of purpose
   * 'reissue'. Resolves to {channel, to (masked), expires_in}.
   */
  requestReissueLink({ answer, numen, nir, channel, email }, pow = undefined) {
    const body = { answer, channel };
    if (numen !== undefined && numen !== '') body.numen = numen;
    if (nir !== undefined && nir !== '') body.nir = nir;
    if (channel === 'email') body.email = email;
    return this.json('POST', '/api/v1/code/reissue-link', { body: withPow(body, pow), csrf: true });
  }
  /**
   * From the link's page (no session needed): registers the new code's
   * public credential (`booth.regenerateCode(electionId)`) with the link's
   * token. Resolves to {status: 'reissued', issued_at}.
   */
  reissueCode(token, credential) {
    return this.json('POST', '/api/v1/code/reissue', { body: { token, credential } });
  }

  /** Which ways of re-issuing a code the server offers: `{franceconnect, start}`. */
  reissueOptions() {
    return this.json('GET', '/api/v1/code/reissue-options');
  }

  // --- public ----------------------------------------------------------------

  info() {
    return this.json('GET', '/api/v1/info');
  }
  /** The manifest's exact bytes (their SHA-256 is the election hash). */
  manifest() {
    return this.text('GET', '/api/v1/board/manifest');
  }
  /** A ballot on the board with its inclusion proof (docs/api.md). */
  boardBallot(reference) {
    return this.json('GET', `/api/v1/board/ballots/${encodeURIComponent(reference)}`);
  }
  treeHead() {
    return this.text('GET', '/api/v1/board/tree-head');
  }
}
