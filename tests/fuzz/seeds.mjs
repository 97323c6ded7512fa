// Writes each fuzz target's seed corpus from ../shared/vectors (and a few
// hand-made inputs where the vectors have none), one file per seed:
//   node tests/fuzz/seeds.mjs VECTORS_DIR OUT_DIR
// OUT_DIR/<target>/seed-N. Idempotent: the directory is rewritten each time.
import fs from 'node:fs';
import path from 'node:path';

const [vectors, out] = process.argv.slice(2);
if (!vectors || !out) {
  console.error('usage: node tests/fuzz/seeds.mjs VECTORS_DIR OUT_DIR');
  process.exit(2);
}
const load = (name) => JSON.parse(fs.readFileSync(path.join(vectors, name), 'utf8'));
const file = (name) => fs.readFileSync(path.join(vectors, name), 'utf8');
const fromHex = (h) => Buffer.from(h, 'hex');
const seeds = {};
const add = (target, bytes) => (seeds[target] ??= []).push(Buffer.from(bytes));

const cj = load('canonical_json.json');
for (const c of cj.canonicalise) { add('canonical_json', c.input); add('canonical_json', c.canonical); }
for (const c of cj.errors) add('canonical_json', c.input);
for (const c of cj.strict) add('canonical_json', fromHex(c.bytes_hex));

const b64 = load('base64url.json');
for (const c of b64.valid) { add('base64url', c.b64url); add('base64url', c.bytes_hex); }
for (const c of b64.invalid) add('base64url', c.b64url);

const man = load('manifest.json');
add('manifest', man.manifest_canonical);
add('manifest', JSON.stringify(man.manifest, null, 2));
add('manifest', file('record/manifest.json'));

const valid = load('ballots_valid.json');
for (const b of valid.ballots) add('ballot', b.ballot);
for (const b of load('ballots_invalid.json').ballots) add('ballot', b.ballot);
for (const name of ['ballots_minmax.json', 'ballots_stateful.json']) {
  const v = load(name);
  for (const b of v.ballots ?? v.cases ?? []) if (typeof b.ballot === 'string') add('ballot', b.ballot);
}

const rc = load('receipts.json');
for (const d of rc.deposits) {
  for (const mode of [0, 2, 3]) add('receipt', Buffer.concat([Buffer.from([mode]), Buffer.from(d.deposit)]));
  const head = JSON.parse(d.deposit).tree_head;
  if (head) add('receipt', Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify(head))]));
}
for (const e of rc.emargements) {
  for (const mode of [1, 2, 3]) add('receipt', Buffer.concat([Buffer.from([mode]), Buffer.from(e.emargement)]));
}
add('receipt', Buffer.concat([Buffer.from([4]), Buffer.from(file('record/tree_head.json'))]));

const dkg = load('dkg.json');
add('trustees', JSON.stringify(dkg.trustees));
for (const t of dkg.invalid_trustees) add('trustees', JSON.stringify(t.trustees));
add('trustees', file('record/trustees.json'));

const parts = ['manifest.json', 'trustees.json', 'credentials.json', 'ballots.jsonl',
  'tree_head.json', 'tally.json', 'results.json'].map((f) => file(`record/${f}`));
const sep = '\n--isoloir-record--\n';
add('record', parts.join(sep));
// The same record cut to its first ballots, so that most inputs stay cheap.
const lines = parts[3].split('\n');
for (const n of [0, 1, 3]) {
  const cut = [...parts];
  cut[3] = lines.slice(0, n).join('\n') + (n ? '\n' : '');
  add('record', cut.join(sep));
}

// The election's end: the record's tally and tree head in the shapes of
// aggregates.json, close.json and a partials file; the ceremony's round
// documents from the vectors' transcript (their proofs are real).
const tally = JSON.parse(file('record/tally.json'));
const treeHead = JSON.parse(file('record/tree_head.json'));
const withByte = (b, text) => Buffer.concat([Buffer.from([b]), Buffer.from(text)]);
add('closing', withByte(0, JSON.stringify({ closed_at: treeHead.timestamp, early: false,
  election: tally.election, kind: 'close', signature: treeHead.signature, tree_head: treeHead,
  version: 'isoloir/1' })));
add('closing', withByte(1, JSON.stringify({ election: tally.election, kind: 'aggregates',
  scrutins: tally.scrutins.map((s) => ({ ballots: s.ballots, id: s.id,
    options: s.options.map(({ alpha, beta, id, index }) => (alpha ? { alpha, beta, id, index } : { id, index })) })),
  tree_head: treeHead, version: 'isoloir/1' })));
for (const trustee of [1, 2, 3]) {
  add('closing', withByte(2, JSON.stringify({ election: tally.election, kind: 'partials',
    scrutins: tally.scrutins.filter((s) => s.ballots > 0).map((s) => ({ id: s.id,
      options: s.options.map((o) => o.partials.find((p) => p.trustee === trustee))
        .filter(Boolean).map((p, index) => ({ d: p.d, index, proof: p.proof })) })),
    trustee, version: 'isoloir/1' })));
}
const tr = dkg.trustees;
for (const t of tr.trustees) {
  add('closing', withByte(3, JSON.stringify({ box_key: t.box_key, commitments: t.commitments,
    election_id: tr.election_id, index: t.index, kind: 'trustee-commitment', name: t.name,
    pok: t.pok, threshold: tr.threshold, trustees: tr.trustees.length, version: 'isoloir/1' })));
  add('closing', withByte(4, JSON.stringify({ election_id: tr.election_id, from: t.index,
    kind: 'trustee-shares', shares: tr.shares.filter((s) => s.from === t.index)
      .map(({ sealed, to }) => ({ sealed, to })), version: 'isoloir/1' })));
  add('closing', withByte(5, JSON.stringify({ election_id: tr.election_id, index: t.index,
    kind: 'trustee-verification-key', verification_key: t.verification_key, version: 'isoloir/1' })));
}

const header = 'identifier,name,scrutins,credential,pseudonym,numen,challenge,phone';
const cred = 'dTLtGGKridMb9KVCv4CWEgKn5yW7o-bZE4iIP2zvJiM';
add('voter_csv', `${header}\nj.dupont@ac-paris.fr,Jeanne Dupont,csa-ministeriel;capn-2d,${cred},v-0001,12E3456789ABC,,+33612345678\n`);
add('voter_csv', `${header},address_line1,address_line2,address_line3,postal_code,city\n` +
  `j.dupont@ac-paris.fr,"Dupont, Jeanne",csa-ministeriel,${cred},v-0001,,,,"12 rue de l'École",Bât. B,,75005,PARIS\n` +
  `a.martin@ac-lyon.fr,Alain Martin,capn-2d,${cred},v-0002,,,,,,,,\n`);
add('voter_csv', `${header}\r\n"quoted ""name""",x,y,z,w,,,\r\n`);

add('server_config', JSON.stringify({ data_dir: '/var/lib/isoloir', listen: '127.0.0.1', port: 8080,
  max_body_bytes: 65536, threads: 8, trust_proxy: true, tls: true, password_cost: 'interactive',
  pow_difficulty: 19, max_headers: 64, max_header_bytes: 16384, practical_info: { hours: '8h-18h' } }));
add('server_config', ['--data-dir', '/tmp/x', '--port', '0', '--listen', '::1', '--max-body-bytes', '100'].join('\0'));

const b64u = (s) => Buffer.from(s).toString('base64url');
const claims = { iss: 'https://fc.example', aud: 'isoloir', sub: 'abc', nonce: 'n-0S6_WzA2Mj',
  iat: 1700000000, exp: 1700000600, given_name: 'Jeanne' };
add('id_token', Buffer.concat([Buffer.from([1]), Buffer.from(`{"alg":"EdDSA","kid":"k1","typ":"JWT"}\n${JSON.stringify(claims)}`)]));
add('id_token', Buffer.concat([Buffer.from([1]), Buffer.from(`{"alg":"EdDSA"}\n${JSON.stringify({ ...claims, aud: ['isoloir', 'x'], azp: 'isoloir' })}`)]));
const jwks = JSON.stringify({ keys: [
  { kty: 'RSA', kid: 'r1', use: 'sig', alg: 'RS256', n: b64u('\x80'.repeat(256)), e: 'AQAB' },
  { kty: 'EC', crv: 'P-256', kid: 'e1', x: b64u('x'.repeat(32)), y: b64u('y'.repeat(32)) },
  { kty: 'OKP', crv: 'Ed25519', kid: 'k1', x: b64u('k'.repeat(32)) }] });
add('id_token', Buffer.concat([Buffer.from([0]), Buffer.from(`${jwks}\n${b64u('{"alg":"RS256","kid":"r1"}')}.${b64u(JSON.stringify(claims))}.${b64u('s'.repeat(256))}`)]));

add('mail', 'jeanne.dupont@ac-paris.fr\n@@\nVotre lien d\'activation\n@@\nBonjour,\n\nhttps://vote.example/activer?t=abc\n');
add('mail', 'a@b\n@@\nRéinitialisation de votre mot de passe — élections\n@@\n' + 'x'.repeat(200) + '\r\n.\r\nfin\n');

const ballot = valid.ballots[0].ballot;
const req = (method, target, headers, body = '') =>
  `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map((h) => h + '\r\n').join('')}` +
  (body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : '') + `\r\n${body}`;
const voter = ['Cookie: isoloir_session=@SESSION@', 'X-CSRF-Token: @CSRF@', 'Content-Type: application/json'];
for (const t of ['/api/v1/board/manifest', '/api/v1/board/election', '/api/v1/board/ballots?from=0&limit=5',
  '/api/v1/board/tree-head', '/api/v1/info', '/', '/portal/index.html', '/booth/../../etc/passwd', '/api/v1/pow']) {
  add('http_request', req('GET', t, []));
}
add('http_request', req('GET', '/api/v1/me/scrutins', voter));
add('http_request', req('GET', '/api/v1/session', voter));
for (const t of ['/api/v1/me', '/api/v1/code/reissue-options', '/api/v1/code/oidc/start']) add('http_request', req('GET', t, voter));
add('http_request', req('POST', '/api/v1/ballots', voter, ballot));
add('http_request', req('POST', '/api/v1/session', ['Content-Type: application/json'],
  JSON.stringify({ identifier: 'voter1@example.org', password: 'correct horse battery staple' })));
add('http_request', req('POST', '/api/v1/account/activation-link', ['Content-Type: application/json'],
  JSON.stringify({ identifier: 'voter2@example.org' })));
add('http_request', req('POST', '/api/v1/account/link-status', ['Content-Type: application/json',
  'Transfer-Encoding: chunked'], '') + '5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n');
add('http_request', req('POST', '/api/v1/reclamations', voter, JSON.stringify({ text: 'Ma liste manque.' })));
add('http_request', req('POST', '/api/v1/code/reissue-link', voter, JSON.stringify({ answer: 'Paris', numen: '12E3456789ABC' })));
add('http_request', req('POST', '/api/v1/code/reissue', voter, JSON.stringify({ answer: 'Paris', numen: '12E3456789ABC' })));
add('http_request', req('DELETE', '/api/v1/session', voter));

fs.rmSync(out, { recursive: true, force: true });
let total = 0;
for (const [target, list] of Object.entries(seeds)) {
  const dir = path.join(out, target);
  fs.mkdirSync(dir, { recursive: true });
  list.forEach((b, i) => fs.writeFileSync(path.join(dir, `seed-${i}`), b));
  total += list.length;
}
console.log(`seeds: ${total} in ${Object.keys(seeds).length} corpora under ${out}`);
