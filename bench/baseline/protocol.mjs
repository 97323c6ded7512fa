// The ballot of PROTOCOL.md section 4 in plain JavaScript, written once over
// a "group backend" (libsodium.js or noble-curves, see sodium.mjs and
// noble.mjs): canonical JSON, base64url, H and its challenges, vote codes,
// the textbook disjunctive Chaum-Pedersen proofs, the signature and the
// reference. It is the benchmark's baseline, "what a web developer writes in
// an afternoon": no precomputation beyond what the library does by itself.
//
// Not shipped, and not the booth: the prover below follows the textbook
// steps, so the real branch of a proof costs less than a simulated one and
// its running time depends on the vote (PROTOCOL.md section 1 forbids that
// for the real booth). The benchmark flatters the baseline by that much.
//
// A backend provides, with points and scalars in whatever form suits it:
//   name
//   sha256(bytes), sha512(bytes)                       -> Uint8Array
//   scalarFromBytes(32 bytes) -> scalar | null         (null: not < l)
//   scalarToBytes(scalar), scalarReduce64(64 bytes) -> scalar
//   scalarAdd(a, b), scalarSub(a, b), scalarMul(a, b), scalarNeg(a), scalarIsZero(a), scalarEq(a, b)
//   scalarSmall(v)                                     (0 <= v < 2^53)
//   pointFromBytes(32 bytes) -> point | null           (null: not a canonical encoding)
//   pointToBytes(point)                                (the identity as 32 zero bytes)
//   baseMul(k)        g^k, k secret, k = 0 gives the identity
//   mul(P, k)         P^k, k secret
//   mulPublic(P, k)   P^k on public data (a verifier may use variable time)
//   add(P, Q), sub(P, Q)
//   signKeypair(seed) -> {publicKey, secretKey}; sign(message, secretKey); verify(signature, message, publicKey)

const enc = new TextEncoder();
export const VERSION = 'isoloir/1';
const DISJUNCTIVE_TAG = 'isoloir/1/disjunctive';
const BALLOT_TAG = 'isoloir/1/ballot';
const CREDENTIAL_TAG = 'isoloir/1/credential';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BALLOT_KEYS = ['answers', 'credential', 'election', 'scrutin', 'signature', 'sum_proof', 'version'];
const ANSWER_KEYS = ['alpha', 'beta', 'proof'];
const BRANCH_KEYS = ['c', 's'];

/** A refusal with the protocol's reason code and the field it concerns. */
export class Refusal extends Error {
  constructor(reason, detail = '') {
    super(detail ? `${reason}: ${detail}` : reason);
    this.reason = reason;
    this.detail = detail;
  }
}

// ---------------------------------------------------------------- bytes

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = new Map([...B64].map((ch, i) => [ch, i]));

/** base64url without padding (RFC 4648 section 5). */
export function b64url(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += B64[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/**
 * Strict base64url decoding (section 1): no padding, no whitespace, nothing
 * outside the alphabet, no impossible length, no non-zero unused bits (the
 * re-encoding must give the same text). Returns null when refused.
 */
export function b64urlDecode(text) {
  if (typeof text !== 'string' || text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (const ch of text) {
    const v = B64_INDEX.get(ch);
    if (v === undefined) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  return b64url(out) === text ? out : null;
}

// ------------------------------------------------------- canonical JSON

function canonicalString(s) {
  // JSON.stringify escapes exactly as RFC 8785 does (", \, \b \f \n \r \t,
  // other controls as lowercase \u00xx, nothing else) for well-formed text.
  // A lone surrogate has no UTF-8 form (in a u-regex, a pair is one code point).
  if (/\p{Surrogate}/u.test(s)) throw new Refusal('non_canonical_json', 'lone surrogate in a string');
  return JSON.stringify(s);
}

/** Canonical JSON of a parsed value (section 1); throws a Refusal where there is none. */
export function canonicalJson(value) {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Refusal('non_canonical_json', 'not an integer within +-(2^53 - 1)');
    return String(value === 0 ? 0 : value); // -0 is written 0
  }
  if (typeof value === 'string') return canonicalString(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value);
  if (keys.some((k) => /[^\x00-\x7f]/.test(k))) throw new Refusal('non_canonical_json', 'non-ASCII key');
  keys.sort(); // ASCII keys: UTF-16 order is byte order
  return `{${keys.map((k) => `${canonicalString(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

/** Parses a received document and refuses it unless its text is its own canonical form. */
export function parseCanonical(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Refusal('non_canonical_json', 'not JSON');
  }
  if (canonicalJson(value) !== text) throw new Refusal('non_canonical_json', 'not in canonical form');
  return value;
}

// ---------------------------------------------------------- hashing, H

// enc(x): 4-byte big-endian length, then x.
function lengthPrefixed(bytes) {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, false);
  out.set(bytes, 4);
  return out;
}

// H(tag, x1..xn) = SHA-512(enc(tag) || enc(x1) || ...): strings as UTF-8,
// integers as decimal ASCII, bytes (points, scalars, digests, keys) raw.
function transcript(tag, items) {
  const parts = [tag, ...items].map((x) => {
    if (typeof x === 'string') return enc.encode(x);
    if (typeof x === 'number') return enc.encode(String(x));
    return x;
  });
  return concat(parts.map(lengthPrefixed));
}

// ------------------------------------------------------------ the layer

/** The section 4 ballot on one group backend: createBallot, verifyBallot and their helpers. */
export function makeBaseline(backend) {
  const G = backend;
  const H = (tag, items) => G.sha512(transcript(tag, items));
  const challenge = (tag, items) => G.scalarReduce64(H(tag, items));

  // Every secret scalar is uniform in [1, l): 64 bytes of WebCrypto reduced.
  function randomScalar() {
    for (;;) {
      const k = G.scalarReduce64(globalThis.crypto.getRandomValues(new Uint8Array(64)));
      if (!G.scalarIsZero(k)) return k;
    }
  }

  function electionHash(manifestText) {
    return b64url(G.sha256(enc.encode(canonicalJson(JSON.parse(manifestText)))));
  }

  // What a ballot for the manifest needs: its hash, the key h, the scrutin.
  function openManifest(manifest, scrutinId) {
    const text = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
    const doc = JSON.parse(text);
    const keyBytes = b64urlDecode(doc.public_key);
    const h = keyBytes && keyBytes.length === 32 && !keyBytes.every((b) => b === 0) ? G.pointFromBytes(keyBytes) : null;
    if (!h) throw new Error('the manifest public_key is not a point');
    return {
      doc,
      hashBytes: b64urlDecode(electionHash(text)),
      h,
      scrutin: doc.scrutins.find((s) => s.id === scrutinId) ?? null,
    };
  }

  // ------------------------------------------------- vote code, credential

  function normalizeCode(input) {
    if (typeof input !== 'string' || /[^\x00-\x7f]/.test(input)) throw new Error('vote code: ASCII only');
    const code = input.replace(/[ -]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
    if (code.length !== 20 || [...code].some((ch) => !CROCKFORD.includes(ch))) throw new Error('vote code: 20 symbols');
    const check = CROCKFORD[G.sha256(enc.encode(code.slice(0, 19)))[0] & 31];
    if (code[19] !== check) throw new Error('vote code: wrong check symbol');
    return code;
  }

  // seed = SHA-256("isoloir/1/credential" || 0 || election id || 0 || code), then Ed25519.
  function credentialKeys(electionId, code) {
    const zero = new Uint8Array(1);
    const seed = G.sha256(concat([enc.encode(CREDENTIAL_TAG), zero, enc.encode(electionId), zero, enc.encode(normalizeCode(code))]));
    return G.signKeypair(seed);
  }

  // ------------------------------------------------- disjunctive proofs

  // beta * g^(-v); for v = 0 that is beta itself (never multiply by 0).
  function shifted(beta, v) {
    return v === 0 ? beta : G.sub(beta, G.baseMul(G.scalarSmall(v)));
  }

  // The common start of every proof's hash: who, where, which statement.
  function proofItems(ctx, label, alpha, beta) {
    return [ctx.hashBytes, ctx.scrutinId, ctx.credential, label, G.pointToBytes(alpha), G.pointToBytes(beta)];
  }

  /**
   * Section 4, steps 1 to 5: (alpha, beta) encrypts values[k] with randomness
   * r. `draw` gives the next secret scalar: simulated branches take c_j then
   * s_j in increasing j, then w (the vectors' order).
   */
  function prove(ctx, label, alpha, beta, r, values, k, draw) {
    const c = [];
    const s = [];
    const commitments = [];
    for (let j = 0; j < values.length; j++) {
      if (j === k) continue;
      c[j] = draw();
      s[j] = draw();
      const A = G.add(G.baseMul(s[j]), G.mul(alpha, G.scalarNeg(c[j])));
      const B = G.add(G.mul(ctx.h, s[j]), G.mul(shifted(beta, values[j]), G.scalarNeg(c[j])));
      commitments[j] = [A, B];
    }
    const w = draw();
    commitments[k] = [G.baseMul(w), G.mul(ctx.h, w)];
    const items = proofItems(ctx, label, alpha, beta);
    for (const [A, B] of commitments) items.push(G.pointToBytes(A), G.pointToBytes(B));
    let ck = challenge(DISJUNCTIVE_TAG, items);
    for (let j = 0; j < values.length; j++) if (j !== k) ck = G.scalarSub(ck, c[j]);
    c[k] = ck;
    s[k] = G.scalarAdd(w, G.scalarMul(ck, r));
    return values.map((_, j) => ({ c: b64url(G.scalarToBytes(c[j])), s: b64url(G.scalarToBytes(s[j])) }));
  }

  /** A verifier recomputes every A_j, B_j from (c_j, s_j) and checks that the c_j add up to the challenge. */
  function proofHolds(ctx, label, alpha, beta, values, branches) {
    const items = proofItems(ctx, label, alpha, beta);
    let sum = G.scalarSmall(0);
    values.forEach((v, j) => {
      const { c, s } = branches[j];
      const A = G.add(G.baseMul(s), G.mulPublic(alpha, G.scalarNeg(c)));
      const B = G.add(G.mulPublic(ctx.h, s), G.mulPublic(shifted(beta, v), G.scalarNeg(c)));
      items.push(G.pointToBytes(A), G.pointToBytes(B));
      sum = G.scalarAdd(sum, c);
    });
    return G.scalarEq(sum, challenge(DISJUNCTIVE_TAG, items));
  }

  const range = (min, max) => Array.from({ length: max - min + 1 }, (_, i) => min + i);

  // ------------------------------------------------------------ creation

  function chosenFlags(scrutin, optionIds) {
    const ids = scrutin.options.map((o) => o.id);
    if (new Set(optionIds).size !== optionIds.length || optionIds.some((id) => !ids.includes(id))) {
      throw new Error('choice: unknown or repeated option');
    }
    if (optionIds.length < scrutin.min || optionIds.length > scrutin.max) throw new Error('choice: outside min..max');
    return ids.map((id) => (optionIds.includes(id) ? 1 : 0));
  }

  // The signed, canonical ballot and its reference.
  function seal(body, keys) {
    const unsigned = enc.encode(canonicalJson(body));
    const signature = G.sign(concat([enc.encode(BALLOT_TAG), new Uint8Array(1), unsigned]), keys.secretKey);
    const ballot = canonicalJson({ ...body, signature: b64url(signature) });
    return { ballot, reference: b64url(G.sha256(enc.encode(ballot))) };
  }

  /**
   * A ballot for `optionIds` of scrutin `scrutinId`, signed with the
   * credential of vote code `code`. Returns {ballot (canonical text),
   * reference}. `options.nextScalar` (tests only: rebuilding the vectors)
   * replaces WebCrypto by a function returning 32-byte scalars in order.
   */
  function createBallot(manifest, scrutinId, optionIds, code, options = {}) {
    const m = openManifest(manifest, scrutinId);
    if (!m.scrutin) throw new Error(`unknown scrutin ${scrutinId}`);
    const flags = chosenFlags(m.scrutin, optionIds);
    const draw = options.nextScalar ? () => G.scalarFromBytes(options.nextScalar()) : randomScalar;
    const keys = credentialKeys(m.doc.id, code);
    const ctx = { h: m.h, hashBytes: m.hashBytes, scrutinId, credential: keys.publicKey };
    const answers = [];
    let [alphaSum, betaSum, rSum] = [null, null, G.scalarSmall(0)];
    flags.forEach((mi, i) => {
      const r = draw();
      const alpha = G.baseMul(r);
      const beta = G.add(G.baseMul(G.scalarSmall(mi)), G.mul(m.h, r));
      const proof = prove(ctx, `option:${i}`, alpha, beta, r, [0, 1], mi, draw);
      answers.push({ alpha: b64url(G.pointToBytes(alpha)), beta: b64url(G.pointToBytes(beta)), proof });
      alphaSum = alphaSum ? G.add(alphaSum, alpha) : alpha;
      betaSum = betaSum ? G.add(betaSum, beta) : beta;
      rSum = G.scalarAdd(rSum, r);
    });
    const { min, max } = m.scrutin;
    const marked = flags.reduce((a, b) => a + b, 0);
    const sumProof = prove(ctx, 'sum', alphaSum, betaSum, rSum, range(min, max), marked - min, draw);
    const body = {
      version: VERSION,
      election: b64url(m.hashBytes),
      scrutin: scrutinId,
      credential: b64url(keys.publicKey),
      answers,
      sum_proof: sumProof,
    };
    return seal(body, keys);
  }

  // ---------------------------------------------------------- verification

  function hasExactKeys(value, keys) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const own = Object.keys(value).sort();
    return own.length === keys.length && own.every((k, i) => k === keys[i]);
  }

  function isProof(proof) {
    return Array.isArray(proof) && proof.every((b) => hasExactKeys(b, BRANCH_KEYS) && typeof b.c === 'string' && typeof b.s === 'string');
  }

  // Exactly the keys of section 4, with their JSON types.
  function checkShape(doc) {
    const strings = ['credential', 'election', 'scrutin', 'signature', 'version'];
    const ok = hasExactKeys(doc, BALLOT_KEYS) && strings.every((k) => typeof doc[k] === 'string') &&
      Array.isArray(doc.answers) && isProof(doc.sum_proof) &&
      doc.answers.every((a) => hasExactKeys(a, ANSWER_KEYS) && typeof a.alpha === 'string' && typeof a.beta === 'string' && isProof(a.proof));
    if (!ok) throw new Refusal('malformed', 'missing or unknown keys, or wrong JSON types');
  }

  function decodeBytes(text, length, field) {
    const bytes = b64urlDecode(text);
    if (!bytes) throw new Refusal('bad_base64', field);
    if (bytes.length !== length) throw new Refusal('bad_length', field);
    return bytes;
  }

  function decodePoint(text, field) {
    const bytes = decodeBytes(text, 32, field);
    if (bytes.every((b) => b === 0)) throw new Refusal('identity_point', field);
    // Bit 255 is tested here: libsodium 1.0.18 ignores it (section 1).
    const point = bytes[31] & 0x80 ? null : G.pointFromBytes(bytes);
    if (!point) throw new Refusal('invalid_point', field);
    return point;
  }

  function decodeScalar(text, field) {
    const scalar = G.scalarFromBytes(decodeBytes(text, 32, field));
    if (scalar === null) throw new Refusal('non_canonical_scalar', field);
    return scalar;
  }

  function decodeProof(proof, field) {
    return proof.map((b, j) => ({ c: decodeScalar(b.c, `${field}[${j}].c`), s: decodeScalar(b.s, `${field}[${j}].s`) }));
  }

  // The checks that need no arithmetic, in the order of the reasons' list.
  function checkHeader(doc, m, manifestHash) {
    if (doc.version !== VERSION) throw new Refusal('wrong_version', 'version');
    if (doc.election !== manifestHash) throw new Refusal('wrong_election', 'election');
    if (!m.scrutin) throw new Refusal('unknown_scrutin', 'scrutin');
    if (doc.answers.length !== m.scrutin.options.length) throw new Refusal('wrong_answer_count', 'answers');
    doc.answers.forEach((a, i) => {
      if (a.proof.length !== 2) throw new Refusal('wrong_proof_length', `answers[${i}].proof`);
    });
    if (doc.sum_proof.length !== m.scrutin.max - m.scrutin.min + 1) throw new Refusal('wrong_proof_length', 'sum_proof');
  }

  function checkSignature(doc, credential, signature) {
    const body = { ...doc };
    delete body.signature;
    const message = concat([enc.encode(BALLOT_TAG), new Uint8Array(1), enc.encode(canonicalJson(body))]);
    if (!G.verify(signature, message, credential)) throw new Refusal('bad_signature', 'signature');
  }

  function checkProofs(m, ctx, answers, sumProof) {
    let alphaSum = null;
    let betaSum = null;
    answers.forEach(({ alpha, beta, proof }, i) => {
      if (!proofHolds(ctx, `option:${i}`, alpha, beta, [0, 1], proof)) throw new Refusal('bad_option_proof', `answers[${i}].proof`);
      alphaSum = alphaSum ? G.add(alphaSum, alpha) : alpha;
      betaSum = betaSum ? G.add(betaSum, beta) : beta;
    });
    if (!proofHolds(ctx, 'sum', alphaSum, betaSum, range(m.scrutin.min, m.scrutin.max), sumProof)) {
      throw new Refusal('bad_sum_proof', 'sum_proof');
    }
  }

  function verifyOrThrow(manifest, ballotText) {
    if (typeof ballotText !== 'string') throw new Refusal('malformed', 'the ballot must be its exact text');
    const doc = parseCanonical(ballotText);
    checkShape(doc);
    const m = openManifest(manifest, doc.scrutin);
    checkHeader(doc, m, b64url(m.hashBytes));
    const credential = decodeBytes(doc.credential, 32, 'credential');
    const answers = doc.answers.map((a, i) => ({
      alpha: decodePoint(a.alpha, `answers[${i}].alpha`),
      beta: decodePoint(a.beta, `answers[${i}].beta`),
      proof: decodeProof(a.proof, `answers[${i}].proof`),
    }));
    const sumProof = decodeProof(doc.sum_proof, 'sum_proof');
    const signature = decodeBytes(doc.signature, 64, 'signature');
    checkSignature(doc, credential, signature);
    checkProofs(m, { h: m.h, hashBytes: m.hashBytes, scrutinId: doc.scrutin, credential }, answers, sumProof);
    return b64url(G.sha256(enc.encode(ballotText)));
  }

  /** {ok: true, reference} or {ok: false, reason, detail}, as the booth's verifyBallot answers. */
  function verifyBallot(manifest, ballotText) {
    try {
      return { ok: true, reference: verifyOrThrow(manifest, ballotText) };
    } catch (e) {
      if (e instanceof Refusal) return { ok: false, reason: e.reason, detail: e.detail };
      throw e;
    }
  }

  return Object.freeze({
    name: G.name,
    createBallot,
    verifyBallot,
    electionHash: (manifest) => electionHash(typeof manifest === 'string' ? manifest : JSON.stringify(manifest)),
    credential: (electionId, code) => b64url(credentialKeys(electionId, code).publicKey),
  });
}
