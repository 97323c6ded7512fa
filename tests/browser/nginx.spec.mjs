// The deployment of deploy/: a real nginx (Debian's), configured by
// deploy/nginx/render.sh, in front of the real isoloir-server run with the
// example config deploy/config/8081.json (its paths and ports replaced by
// the test's), over HTTPS and HTTP/2 with a throw-away certificate. Checks:
// the rendered config passes `nginx -t` (for this test and as rendered for
// production); TLS 1.2/1.3 only with AEAD suites and HTTP/2 by ALPN; http
// redirects to the https origin; pages, files and API answers come through
// with the server's own headers unchanged, nginx's own refusals under the
// API's headers and in its JSON shape; a body over max_body_bytes gets 413
// from nginx while one of exactly max_body_bytes reaches the server; the
// server's throttle sees the address nginx forwarded, not nginx's socket nor
// the client's X-Forwarded-For; the login limit per address and the limit of
// requests in progress per address; which failures nginx retries on another
// server (a GET, or a POST no server received; never a POST a server got
// and dropped unanswered, which may have cast a ballot); the voter's whole
// journey in Chromium through nginx; the systemd units pass systemd-analyze.
//
// Two servers behind nginx serve one election kept in PostgreSQL (issue 12):
// each with a data directory of its own naming one fresh database and
// holding the same server key. The journey's requests reach both, a session
// and a proof of work from one are good on the other, and a server whose key
// is not the election's is refused. The cluster is ISOLOIR_PG_URL's
// (scripts/test.sh starts one) or, alone, one started with scripts/pg.sh.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { loadBooth } from '../../web/booth/index.js';
import { deployDir, h2request, nginxTest, renderDeployConfig, selfSignedCert, startNginx, writeMainConfig } from './nginx.mjs';
import { freePort, postgresTestCluster, serverBin, startUrn } from './urn.mjs';
import { voterJourney } from './voter-journey.mjs';

// isoloir-server processes behind nginx, on one election in PostgreSQL:
// urn.startAnother() starts each after the first, and the journey's test
// checks that nginx sent requests to every one of them.
const SERVERS = 2;

// The API's headers on every answer (server/src/http/http_api.cpp) with "tls": true.
const API_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=63072000',
};
// Headers that belong to one hop, not to the answer.
const HOP = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

let pg; // the PostgreSQL cluster
let database; // the election's database in it
let urn;
let proxy;
let booth;
let example; // deploy/config/8081.json
let servers; // [{url, stop?}]
let maxBody;

const pick = (headers, names) => Object.fromEntries(names.map((n) => [n, headers[n]]));

/** Direct to the server, HTTP/1.1: {status, headers (lower-case), body}. */
async function direct(pathname, init = {}) {
  const r = await fetch(urn.url + pathname, init);
  return { status: r.status, headers: Object.fromEntries(r.headers), body: Buffer.from(await r.arrayBuffer()) };
}

/** Through nginx over HTTP/2, from `localAddress` (any 127.x.y.z: the client nginx sees). */
function via(pathname, options = {}) {
  return h2request(proxy.url + pathname, { ca: proxy.cert, ...options });
}

const json = (r) => JSON.parse(r.body.toString('utf8'));

/** An nginx refusal: the status, the reason, the proxy's detail and the API's headers. */
function assertProxyRefusal(r, status, error) {
  assert.equal(r.status, status, r.body.toString());
  assert.equal(json(r).error, error);
  assert.match(json(r).detail, /proxy/);
  assert.deepEqual(pick(r.headers, Object.keys(API_HEADERS)), API_HEADERS);
  assert.equal(r.headers['content-type'], 'application/json');
}

/** Requests on one HTTP/2 connection from `localAddress`: request(method, path, body) -> {status, body}. */
function h2session(localAddress) {
  const session = http2.connect(proxy.url, { ca: proxy.cert, localAddress });
  session.on('error', () => {});
  const request = (method, pathname, body) => new Promise((resolve, reject) => {
    const headers = { ':method': method, ':path': pathname };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = session.request(headers);
    const chunks = [];
    let status;
    req.on('response', (h) => { status = h[':status']; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve({ status, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    req.end(body);
  });
  return { session, request, close: () => session.close() };
}

export async function setup() {
  booth = await loadBooth();
  example = JSON.parse(fs.readFileSync(path.join(deployDir, 'config', '8081.json'), 'utf8'));
  maxBody = example.max_body_bytes;
  const httpsPort = await freePort();
  // The example config as an operator would run it, less what names this
  // machine's paths and ports, and with the test's costs: the minimum
  // Argon2id, an 8-bit proof of work (as every browser test), and the
  // address throttle's threshold low enough to cross in a few requests.
  const config = { ...example, public_url: `https://127.0.0.1:${httpsPort}`, password_cost: 'minimum',
    pow_difficulty: 8, address_free_failures: 3 };
  for (const key of ['data_dir', 'listen', 'port', 'web_root', 'mail']) delete config[key];
  pg = postgresTestCluster();
  database = pg.createDatabase();
  urn = await startUrn({ voters: 2, config, postgres: database.conninfo });
  servers = [urn];
  for (let i = 1; i < SERVERS; i++) servers.push(await urn.startAnother());
  proxy = await startNginx({ upstreams: servers.map((s) => new URL(s.url).host), httpsPort });
}

export async function teardown() {
  if (proxy) await proxy.stop();
  for (const s of (servers || []).slice(1)) await s.stop();
  if (urn) {
    await urn.stop();
    urn.cleanup();
  }
  if (database) database.drop();
  if (pg) pg.stop();
}

export const tests = [
  ['the deploy config agrees with the example server config and the systemd unit', async () => {
    const conf = proxy.rendered;
    const directive = (re) => {
      const m = conf.match(re);
      assert.ok(m, `${re} in the rendered config`);
      return m[1];
    };
    assert.equal(Number(directive(/^\s*client_max_body_size (\d+);/m)), example.max_body_bytes);
    const keepalive = directive(/upstream isoloir_servers \{[^}]*?keepalive_timeout (\d+)s;/s);
    assert.ok(Number(keepalive) < example.idle_timeout_seconds,
      'nginx closes idle upstream connections before the server does');
    assert.equal(example.trust_proxy, true);
    assert.equal(example.tls, true);
    assert.match(fs.readFileSync(path.join(deployDir, 'nginx', 'snippets', 'isoloir-errors.conf'), 'utf8'),
      new RegExp(`over ${example.max_body_bytes} bytes`));
    const unit = fs.readFileSync(path.join(deployDir, 'systemd', 'isoloir-server@.service'), 'utf8');
    assert.match(unit, /^StateDirectory=isoloir\/%i$/m);
    assert.equal(example.data_dir, `/var/lib/isoloir/${example.port}`, 'data_dir is the instance\'s StateDirectory');
    assert.match(unit, /^ExecStart=\S+ --config \/etc\/isoloir\/%i\.json$/m);
  }],

  ['rendered for production (0.0.0.0 and [::], ports 443 and 80, two servers) it passes nginx -t', async () => {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-nginx-prod-'));
    try {
      const confDir = path.join(prefix, 'conf');
      const { cert, key } = selfSignedCert(prefix);
      const rendered = renderDeployConfig(confDir, ['--server-name', 'vote.example.org', '--cert', cert, '--key', key,
        '--upstream', '127.0.0.1:8081', '--upstream', '127.0.0.1:8082', '--log-dir', path.join(prefix, 'logs')]);
      assert.match(rendered, /listen 0\.0\.0\.0:443 ssl http2;\n\s*listen \[::\]:443 ssl http2;/);
      assert.match(rendered, /server 127\.0\.0\.1:8081 max_fails=3 fail_timeout=10s;\n\s*server 127\.0\.0\.1:8082 /);
      assert.match(rendered, /return 301 https:\/\/vote\.example\.org\$request_uri;/);
      assert.doesNotMatch(rendered.replace(/^\s*#.*$/gm, ''), /@[A-Z_]+@/);
      nginxTest(prefix, writeMainConfig(prefix, confDir));
      // A value that could end a directive is refused, not written.
      const bad = spawnSync('bash', [path.join(deployDir, 'nginx', 'render.sh'), '--out', confDir, '--server-name',
        'x; include /etc/shadow', '--cert', cert, '--key', key, '--upstream', '127.0.0.1:1'], { encoding: 'utf8' });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /refused value/);
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  }],

  ['TLS 1.3 and HTTP/2 by default, TLS 1.2 only with an AEAD suite, nothing older', async () => {
    const port = Number(new URL(proxy.url).port);
    const hello = (options) => new Promise((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca: proxy.cert, ALPNProtocols: ['h2', 'http/1.1'], ...options });
      s.on('secureConnect', () => {
        const out = { protocol: s.getProtocol(), alpn: s.alpnProtocol, cipher: s.getCipher().name };
        s.end();
        resolve(out);
      });
      s.on('error', (e) => resolve({ error: e.code || e.message }));
    });
    assert.deepEqual(pick(await hello({}), ['protocol', 'alpn']), { protocol: 'TLSv1.3', alpn: 'h2' });
    assert.deepEqual(await hello({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }),
      { protocol: 'TLSv1.2', alpn: 'h2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    // CBC with SHA-1 MACs: allowed by nginx's default ssl_ciphers, refused by ours.
    assert.ok((await hello({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' })).error);
    assert.ok((await hello({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).error);
  }],

  ['plain http answers only a redirect to the same path on the https origin', async () => {
    const r = await new Promise((resolve, reject) => {
      http.get(`${proxy.httpUrl}/vote?lang=en`, (res) => { res.resume(); resolve(res); }).on('error', reject);
    });
    assert.equal(r.statusCode, 301);
    assert.equal(r.headers.location, `${proxy.url}/vote?lang=en`);
  }],

  ['pages, files and API answers come through nginx with the server\'s headers unchanged', async () => {
    const cases = [
      ['GET', '/', 200], ['GET', '/vote', 200], ['GET', '/verifier', 200], ['GET', '/portal/app.js', 200],
      ['GET', '/booth/widget.js', 200], ['GET', '/booth/wasm/isoloir_booth.wasm', 200],
      ['GET', '/api/v1/board/election', 200], ['GET', '/api/v1/board/manifest', 200], ['GET', '/api/v1/info', 200],
      ['GET', '/api/v1/session', 401], ['GET', '/api/v1/no-such-route', 404], ['GET', '/portal/nothing.js', 404],
      ['POST', '/api/v1/ballots', 401], ['PUT', '/api/v1/board/election', 405],
    ];
    for (const [method, pathname, status] of cases) {
      const body = method === 'POST' ? '{}' : undefined;
      const headers = body ? { 'content-type': 'application/json' } : {};
      const a = await direct(pathname, { method, body, headers });
      const b = await via(pathname, { method, body, headers: body ? headers : {} });
      const what = `${method} ${pathname}`;
      assert.equal(a.status, status, what);
      assert.equal(b.status, status, what);
      assert.ok(a.body.equals(b.body), `${what}: the same body`);
      for (const [name, value] of Object.entries(a.headers)) {
        if (!HOP.has(name)) assert.equal(b.headers[name], value, `${what}: ${name}`);
      }
      // nginx adds its name, and Vary: Accept-Encoding on what it would
      // compress (gzip_vary: a type of gzip_types, 1 KB or more), which
      // caches need; nothing else.
      const { vary, ...added } = Object.fromEntries(Object.entries(b.headers)
        .filter(([n]) => !(n in a.headers) && !HOP.has(n)));
      assert.deepEqual(added, { server: 'nginx' }, `${what}: nginx adds no header but Server (and Vary)`);
      if (vary !== undefined) {
        assert.equal(vary, 'Accept-Encoding', what);
        assert.match(a.headers['content-type'], /^(text\/(html|javascript|css)|application\/wasm)/, what);
      }
      // The server's security headers are there at all (not both sides empty).
      assert.equal(b.headers['x-content-type-options'], 'nosniff', what);
      assert.match(b.headers['content-security-policy'], /frame-ancestors 'none'/, what);
    }
    // The pages' own policy, not the API's, on a page and its files.
    const page = await via('/vote');
    assert.match(page.headers['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
    assert.equal(page.headers['cache-control'], 'no-cache');
  }],

  ['nginx compresses the static files and never the API\'s JSON', async () => {
    const gz = { 'accept-encoding': 'gzip' };
    const wasm = await via('/booth/wasm/isoloir_booth.wasm', { headers: gz });
    const plain = await direct('/booth/wasm/isoloir_booth.wasm');
    assert.equal(wasm.headers['content-encoding'], 'gzip');
    assert.ok(zlib.gunzipSync(wasm.body).equals(plain.body));
    assert.ok(wasm.body.length < plain.body.length * 0.7, `${wasm.body.length} of ${plain.body.length} bytes`);
    assert.equal(wasm.headers['content-security-policy'], plain.headers['content-security-policy']);
    const manifest = await via('/api/v1/board/manifest', { headers: gz });
    assert.ok(manifest.body.length >= 1024, 'long enough that gzip would take it');
    assert.equal(manifest.headers['content-encoding'], undefined);
    assert.equal(manifest.headers['content-type'], 'application/json');
  }],

  ['a body over max_body_bytes gets 413 from nginx, one of exactly max_body_bytes reaches the server', async () => {
    const post = { method: 'POST', headers: { 'content-type': 'application/json' } };
    const over = Buffer.alloc(maxBody + 1, 0x20);
    assertProxyRefusal(await via('/api/v1/ballots', { ...post, body: over }), 413, 'body_too_large');
    // Without a length announced (HTTP/2 DATA frames only): nginx counts.
    const unsized = await new Promise((resolve, reject) => {
      const session = http2.connect(proxy.url, { ca: proxy.cert });
      session.on('error', reject);
      const req = session.request({ ':method': 'POST', ':path': '/api/v1/ballots', 'content-type': 'application/json' });
      const chunks = [];
      let status;
      let headers;
      req.on('response', (h) => { ({ ':status': status, ...headers } = h); });
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => { session.close(); resolve({ status, headers, body: Buffer.concat(chunks) }); });
      req.on('error', () => { session.destroy(); resolve({ status, headers, body: Buffer.concat(chunks) }); });
      for (let sent = 0; sent <= maxBody; sent += 8192) req.write(Buffer.alloc(8192, 0x20));
      req.end();
    });
    assertProxyRefusal(unsized, 413, 'body_too_large');
    // Exactly the limit: past nginx, and the server's own answer (no session).
    const exact = await via('/api/v1/ballots', { ...post, body: Buffer.alloc(maxBody, 0x20) });
    assert.notEqual(exact.status, 413);
    assert.doesNotMatch(json(exact).detail, /proxy/);
    // The server refuses one byte more itself: the two limits are one.
    const directOver = await direct('/api/v1/ballots', { ...post, body: over });
    assert.equal(directOver.status, 413);
    assert.equal(json(directOver).error, 'body_too_large');
  }],

  ['the server\'s address throttle sees the address nginx forwarded, not nginx\'s socket nor the client\'s header', async () => {
    // Every client below reaches the server from nginx's 127.0.0.1; nginx
    // sees each by the loopback address it connects from.
    const difficulty = async (localAddress, headers = {}) => json(await via('/api/v1/pow?purpose=login',
      { localAddress, headers })).difficulty;
    const base = 8;
    assert.equal(await difficulty('127.0.0.2'), base);
    // Link requests count against the address, whoever the identifier is.
    // The client also claims to be 127.0.0.3 in its own X-Forwarded-For.
    for (let i = 0; i < 5; i++) {
      const r = await via('/api/v1/account/activation-link', { method: 'POST', localAddress: '127.0.0.2',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '127.0.0.3' },
        body: JSON.stringify({ identifier: `nobody${i}@ac-test.fr`, ...(await urn.pow('link')) }) });
      assert.equal(r.status, 202, r.body.toString());
    }
    assert.equal(await difficulty('127.0.0.2'), base + 3, 'the forwarded address pays a harder proof of work');
    assert.equal(await difficulty('127.0.0.2', { 'x-forwarded-for': '127.0.0.3' }), base + 3,
      'a made-up X-Forwarded-For changes nothing');
    assert.equal(await difficulty('127.0.0.3'), base, 'the address the client claimed was not charged');
    assert.equal(await difficulty('127.0.0.3', { 'x-forwarded-for': '127.0.0.2' }), base,
      'nor can a client take another\'s address');
    const own = await direct('/api/v1/pow?purpose=login');
    assert.equal(json(own).difficulty, base, 'nginx\'s own address (the server\'s peer) was not charged');
  }],

  ['logins, links and re-issues: 50 at once per address then 10/s; other addresses and GETs are not limited', async () => {
    const a = h2session('127.0.0.4');
    const t0 = performance.now();
    const answers = await Promise.all(Array.from({ length: 120 }, () => a.request('POST', '/api/v1/session', '{}')));
    const seconds = (performance.now() - t0) / 1000;
    const refused = answers.filter((r) => r.status === 429);
    const passed = answers.length - refused.length;
    assert.ok(passed >= 50, `the burst of 50 passes (${passed})`);
    assert.ok(passed <= 51 + Math.ceil(10 * seconds), `${passed} passed in ${seconds.toFixed(2)} s`);
    assert.ok(refused.every((r) => JSON.parse(r.body).error === 'too_many_attempts'));
    const one = await via('/api/v1/account/password-link', { method: 'POST', localAddress: '127.0.0.4',
      headers: { 'content-type': 'application/json' }, body: '{}' });
    assertProxyRefusal(one, 429, 'too_many_attempts');
    assert.equal(one.headers['retry-after'], '2');
    // GET /api/v1/session, asked by every page, is not counted.
    const gets = await Promise.all(Array.from({ length: 60 }, () => a.request('GET', '/api/v1/session')));
    assert.deepEqual([...new Set(gets.map((r) => r.status))], [401]);
    a.close();
    // Another address is not affected.
    const other = await via('/api/v1/session', { method: 'POST', localAddress: '127.0.0.6',
      headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.notEqual(other.status, 429);
  }],

  ['at most 256 requests in progress per address: the next get 503 busy from nginx', async () => {
    const limit = Number(proxy.rendered.match(/^\s*limit_conn isoloir_conn (\d+);/m)[1]);
    assert.equal(limit, 256);
    // Requests whose body never comes: each holds its place (nginx waits for
    // the body, client_body_timeout, before passing anything on).
    const sessions = Array.from({ length: 3 }, () => {
      const s = http2.connect(proxy.url, { ca: proxy.cert, localAddress: '127.0.0.5' });
      s.on('error', () => {});
      return s;
    });
    const refusals = [];
    const streams = [];
    const all = new Promise((resolve) => {
      for (const s of sessions) {
        for (let i = 0; i < 100; i++) {
          const req = s.request({ ':method': 'POST', ':path': '/api/v1/ballots', 'content-type': 'application/json',
            'content-length': '1000' }, { endStream: false });
          req.on('error', () => {});
          req.on('response', (h) => {
            const chunks = [];
            req.on('data', (c) => chunks.push(c));
            req.on('end', () => {
              refusals.push({ status: h[':status'], body: Buffer.concat(chunks).toString() });
              if (refusals.length === 300 - limit) resolve();
            });
          });
          streams.push(req);
        }
      }
    });
    await Promise.race([all, new Promise((r) => setTimeout(r, 8000))]);
    // A moment more: one refusal too many would show now.
    await new Promise((r) => setTimeout(r, 300));
    for (const s of sessions) s.destroy();
    assert.equal(refusals.length, 300 - limit);
    for (const r of refusals) {
      assert.equal(r.status, 503);
      assert.equal(JSON.parse(r.body).error, 'busy');
    }
    // Meanwhile another address is served.
    assert.equal((await via('/api/v1/board/election', { localAddress: '127.0.0.7' })).status, 200);
  }],

  ['a server that got a request and died: a GET goes to another server, a POST does not', async () => {
    // A stand-in server that reads a request and drops the connection
    // unanswered, as a server killed mid-request would, beside the real one.
    const seen = [];
    const stub = net.createServer((socket) => {
      socket.on('data', (d) => {
        seen.push(d.toString('latin1').split('\r\n')[0]);
        socket.destroy();
      });
      socket.on('error', () => {});
    });
    await new Promise((r) => stub.listen(0, '127.0.0.1', r));
    const stubHost = `127.0.0.1:${stub.address().port}`;
    const real = new URL(urn.url).host;
    const two = await startNginx({ upstreams: [real, stubHost] });
    // The request's line in the access log, which nginx writes just after
    // answering: waits for it (the first line after the ones before with
    // this method and path: another request's line may come late).
    const send = async (method, pathname) => {
      const before = two.accessLog().length;
      const r = await h2request(two.url + pathname, { method, ca: two.cert,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) });
      const mine = () => two.accessLog().slice(before).find((l) => l.includes(`"${method} ${pathname}"`));
      for (let i = 0; i < 200 && !mine(); i++) await new Promise((w) => setTimeout(w, 10));
      const line = mine();
      assert.ok(line, 'the request was logged');
      return { r, line };
    };
    try {
      // Until one POST reaches the stand-in (nginx alternates between two
      // idle servers): that one gets 502 and is not sent to the real server.
      let lost;
      for (let i = 0; i < 4 && !lost; i++) {
        const { r, line } = await send('POST', '/api/v1/ballots');
        if (line.includes(stubHost)) lost = { r, line };
        else assert.equal(r.status, 401, line);
      }
      assert.ok(lost, 'a POST went to the stand-in');
      assertProxyRefusal(lost.r, 502, 'busy');
      assert.match(lost.line, new RegExp(`upstream="${stubHost}" "502"`), 'tried on no other server');
      assert.deepEqual(seen, ['POST /api/v1/ballots HTTP/1.1'], 'the stand-in got it, once');
      // A GET that the stand-in took and dropped is answered by the real server.
      let retried;
      for (let i = 0; i < 4 && !retried; i++) {
        const { r, line } = await send('GET', '/api/v1/board/election');
        assert.equal(r.status, 200, line);
        if (line.includes(`upstream="${stubHost}, ${real}" "502, 200"`)) retried = true;
      }
      assert.ok(retried, two.accessLog().join('\n'));
      assert.equal(seen.at(-1), 'GET /api/v1/board/election HTTP/1.1');
    } finally {
      await two.stop();
      stub.close();
    }
  }],

  ['a server that is down: even a POST goes to another server, since the first never got it', async () => {
    const down = `127.0.0.1:${await freePort()}`; // nothing listens there
    const real = new URL(urn.url).host;
    const two = await startNginx({ upstreams: [down, real] });
    try {
      for (let i = 0; i < 4; i++) {
        const r = await h2request(`${two.url}/api/v1/ballots`, { method: 'POST', ca: two.cert,
          headers: { 'content-type': 'application/json' }, body: '{}' });
        assert.equal(r.status, 401, 'the real server\'s answer');
        assert.equal(json(r).error, 'not_logged_in');
      }
      const log = two.accessLog().join('\n');
      assert.ok(log.includes(`upstream="${down}, ${real}" "502, 401"`), log);
    } finally {
      await two.stop();
    }
  }],

  ['the voter\'s whole journey in Chromium through nginx over HTTP/2', async ({ browser, resultsDir }) => {
    const before = proxy.accessLog().length;
    const out = await voterJourney({ browser, urn, booth, baseUrl: proxy.url, resultsDir, prefix: 'nginx-journey',
      contextOptions: { ignoreHTTPSErrors: true } });
    assert.deepEqual(out.pageErrors, []);
    assert.ok(out.protocols.length >= 2 && out.protocols.every((p) => p === 'h2'), `protocols: ${out.protocols}`);
    // "tls": true: the session cookie is Secure.
    const session = out.cookies.filter((c) => c.httpOnly);
    assert.ok(session.length >= 1 && session.every((c) => c.secure), JSON.stringify(out.cookies));
    // The mailed link points at the public origin, nginx's.
    const mails = fs.readdirSync(urn.outbox).filter((f) => f.endsWith('.eml'))
      .map((f) => fs.readFileSync(path.join(urn.outbox, f), 'latin1').replace(/=\r\n/g, ''));
    assert.ok(mails.some((m) => m.includes(`${proxy.url}/activation#${out.token}`)), 'the link names the https origin');
    // nginx's log: the journey's requests over HTTP/2, the cast among them,
    // each answered by a server, and every server answered some.
    const lines = proxy.accessLog().slice(before);
    assert.ok(lines.some((l) => /HTTP\/2\.0 "POST \/api\/v1\/ballots" 201 /.test(l)), lines.join('\n'));
    const upstreams = new Set(lines.flatMap((l) => l.match(/upstream="([^"]*)"/)[1].split(', ')).filter((u) => u !== '-'));
    assert.deepEqual([...upstreams].sort(), servers.map((s) => new URL(s.url).host).sort());
    assert.equal(servers.length, SERVERS);
    // Whichever server took the cast, every server has the ballot on its
    // board under the same signed tree head.
    const heads = [];
    for (const s of servers) {
      const b = await fetch(`${s.url}/api/v1/board/ballots/${out.reference}`);
      assert.equal(b.status, 200, `${s.url}: ${await b.clone().text()}`);
      assert.equal((await b.json()).log_index, 0);
      heads.push(await (await fetch(`${s.url}/api/v1/board/tree-head`)).text());
    }
    assert.equal(new Set(heads).size, 1, heads.join('\n'));
  }],

  ['a proof of work and a session made by one server are good on the other, and logging out on one ends it on both',
    async () => {
      const [a, b] = servers;
      const v = await urn.activate(1); // through the first server
      const ask = async (s) => {
        const r = await fetch(`${s.url}/api/v1/pow?purpose=login`);
        const { challenge, difficulty } = await r.json();
        return { pow_challenge: challenge, pow_nonce: String(await booth.solvePow(challenge, difficulty)) };
      };
      const login = (s, pow) => fetch(`${s.url}/api/v1/session`, { method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identifier: v.identifier, password: v.password, ...pow }) });
      // A challenge issued by the first server, solved, spent on the second.
      const pow = await ask(a);
      const r = await login(b, pow);
      assert.equal(r.status, 201, await r.clone().text());
      const cookie = r.headers.getSetCookie()[0].split(';')[0];
      assert.match(cookie, /^isoloir_session=/);
      const { csrf_token: csrf } = await r.json();
      // Spent once for all servers: the first refuses it now.
      const replay = await login(a, pow);
      assert.equal(replay.status, 400);
      assert.equal((await replay.json()).error, 'pow_replayed');
      // The session opened on the second server is known to the first.
      const onA = await fetch(`${a.url}/api/v1/session`, { headers: { cookie } });
      assert.equal(onA.status, 200);
      assert.equal((await onA.json()).identifier, v.identifier);
      const me = await fetch(`${a.url}/api/v1/me`, { headers: { cookie } });
      assert.equal(me.status, 200);
      // Logged out on the first, gone on the second.
      const out = await fetch(`${a.url}/api/v1/session`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrf } });
      assert.equal(out.status, 204);
      assert.equal((await fetch(`${b.url}/api/v1/session`, { headers: { cookie } })).status, 401);
    }],

  ['a server whose key is not the one the election names is refused (bad_server_key)', async () => {
    // Every server of an election holds the same server.key (startAnother
    // copies it); one with a key of its own must not sign for the election.
    await assert.rejects(urn.startAnother({ freshKey: true }), /bad_server_key/);
  }],

  ['the systemd units pass systemd-analyze verify, with a low exposure', async ({ skip }) => {
    if (spawnSync('systemd-analyze', ['--version']).status !== 0) skip('no systemd-analyze on this machine');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-units-'));
    try {
      // The unit as written, but for the binary's path (verify checks it exists).
      const unit = fs.readFileSync(path.join(deployDir, 'systemd', 'isoloir-server@.service'), 'utf8')
        .replace(/^ExecStart=\S+/m, `ExecStart=${serverBin}`);
      fs.writeFileSync(path.join(dir, 'isoloir-server@.service'), unit);
      fs.copyFileSync(path.join(deployDir, 'systemd', 'isoloir.target'), path.join(dir, 'isoloir.target'));
      const verify = spawnSync('systemd-analyze', ['verify', '--man=no', path.join(dir, 'isoloir-server@8081.service'),
        path.join(dir, 'isoloir.target')],
        { cwd: dir, encoding: 'utf8' });
      assert.equal(verify.status, 0, verify.stderr);
      assert.equal(verify.stderr.trim(), '', 'no unknown key, no warning');
      const security = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager',
        path.join(dir, 'isoloir-server@8081.service')], { cwd: dir, encoding: 'utf8' });
      const m = `${security.stdout}${security.stderr}`.match(/Overall exposure level for \S+: (\d+\.\d+)/);
      assert.ok(m, security.stdout + security.stderr);
      assert.ok(Number(m[1]) <= 2.0, `exposure ${m[1]}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }],
];
