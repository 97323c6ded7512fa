// The benchmark's plain-JavaScript baselines (bench/baseline/, on
// libsodium.js and on noble-curves) against the protocol vectors and the
// real booth: if they were not the same protocol, the Chromium benchmark
// would compare different amounts of work.
import { describe, expect, test } from '@jest/globals';
import { webcrypto } from 'node:crypto';
import { loadBooth } from '../../web/booth/index.js';
import { b64url, b64urlDecode, canonicalJson, parseCanonical } from '../../bench/baseline/protocol.mjs';
import { readVector, sha256b64url, vectorsManifest } from './support.mjs';

// The baselines draw from the browser's crypto.getRandomValues, and
// libsodium.js's ES module asks for it as soon as it loads: Node 18 (Debian
// 12's) has WebCrypto but not as a global, so give it one before importing.
globalThis.crypto ??= webcrypto;
const { loadNobleBaseline } = await import('../../bench/baseline/noble.mjs');
const { loadSodiumBaseline } = await import('../../bench/baseline/sodium.mjs');

const booth = await loadBooth();
const baselines = [await loadSodiumBaseline(), await loadNobleBaseline()];
const manifest = vectorsManifest();
const manifestDoc = readVector('manifest.json');
const valid = readVector('ballots_valid.json').ballots;
const invalid = readVector('ballots_invalid.json').ballots;
const minmax = readVector('ballots_minmax.json');
const voteCodes = readVector('vote_codes.json');

// The prover's scalars of a vector ballot, in the order the vectors give
// ("for each option i: r_i, then for each simulated branch j (increasing j)
// c_j then s_j, then w; then the sum proof: simulated (c_j, s_j), then w").
function scalarsOf(randomness) {
  const proofScalars = (p) => [
    ...[...p.simulated].sort((a, b) => a.branch - b.branch).flatMap((b) => [b.c, b.s]),
    p.w,
  ];
  const all = [...randomness.options.flatMap((o) => [o.r, ...proofScalars(o)]), ...proofScalars(randomness.sum)];
  return all.map((s) => b64urlDecode(s));
}

// A nextScalar for createBallot that hands out `scalars` and counts what is left.
function seeded(scalars) {
  const queue = [...scalars];
  const next = () => {
    if (!queue.length) throw new Error('the prover drew more scalars than the vector lists');
    return queue.shift();
  };
  next.left = () => queue.length;
  return next;
}

// The option ids of a vector ballot's 0/1 choices.
function chosenIds(manifestObj, scrutinId, choices) {
  const scrutin = manifestObj.scrutins.find((s) => s.id === scrutinId);
  return scrutin.options.filter((_, i) => choices[i]).map((o) => o.id);
}

describe('the shared protocol layer', () => {
  const cj = readVector('canonical_json.json');
  const b64 = readVector('base64url.json');
  const hex = (bytes) => Buffer.from(bytes).toString('hex');

  // What a receiver does with bytes: UTF-8 (fatal on errors, and keeping a
  // byte order mark, which TextDecoder would otherwise drop unseen), then
  // the strict check.
  function receives(bytesHex) {
    try {
      parseCanonical(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.from(bytesHex, 'hex')));
      return true;
    } catch {
      return false;
    }
  }

  test.each(cj.canonicalise.map((c) => [c.input, c]))('canonical JSON of %s', (_i, c) => {
    expect(canonicalJson(JSON.parse(c.input))).toBe(c.canonical);
  });

  // JSON.parse cannot tell 1.0 from 1 nor see a duplicate key, so the layer
  // only refuses those as a receiver does: the text is not its canonical form.
  test.each(cj.errors.map((c) => [c.input, c]))('a receiver refuses %s', (_i, c) => {
    expect(() => parseCanonical(c.input)).toThrow(expect.objectContaining({ reason: c.expected_reason }));
  });

  test.each(cj.strict.map((c, i) => [i, c.why, c]))('strict #%i (%s)', (_i, _why, c) => {
    expect(receives(c.bytes_hex)).toBe(c.canonical);
  });

  test.each(b64.valid.map((c) => [c.b64url, c]))('base64url %j both ways', (_t, c) => {
    expect(b64url(Buffer.from(c.bytes_hex, 'hex'))).toBe(c.b64url);
    expect(hex(b64urlDecode(c.b64url))).toBe(c.bytes_hex);
  });

  test.each(b64.invalid.map((c) => [c.b64url, c.why]))('base64url refuses %j (%s)', (text) => {
    expect(b64urlDecode(text)).toBeNull();
  });
});

describe.each(baselines.map((b) => [b.name, b]))('baseline on %s', (_name, baseline) => {
  test('election hash and credentials as the vectors', () => {
    expect(baseline.electionHash(manifest)).toBe(manifestDoc.election_hash);
    expect(baseline.electionHash(minmax.manifest_canonical)).toBe(minmax.election_hash);
    for (const c of voteCodes.codes) {
      expect(baseline.credential(voteCodes.election_id, c.display)).toBe(c.credential);
    }
  });

  test.each(valid.map((b) => [b.name, b]))('accepts %s with its reference', (_n, b) => {
    expect(baseline.verifyBallot(manifest, b.ballot)).toEqual({ ok: true, reference: b.reference });
  });

  test.each(valid.map((b) => [b.name, b]))('rebuilds %s byte for byte from its randomness', (_n, b) => {
    const next = seeded(scalarsOf(b.randomness));
    const ids = chosenIds(manifestDoc.manifest, b.scrutin, b.choices);
    const made = baseline.createBallot(manifest, b.scrutin, ids, b.vote_code, { nextScalar: next });
    expect(made).toEqual({ ballot: b.ballot, reference: b.reference });
    expect(next.left()).toBe(0);
  });

  test.each(invalid.map((b) => [b.name, b]))('refuses %s for its expected reason', (_n, b) => {
    const r = baseline.verifyBallot(manifest, b.ballot);
    expect(r).toMatchObject({ ok: false, reason: b.expected_reason });
    if (b.expected_detail) expect(r.detail.startsWith(b.expected_detail)).toBe(true);
  });

  test.each(minmax.ballots.map((b) => [b.name, b]))('min = 0, max = 2: %s', (_n, b) => {
    const r = baseline.verifyBallot(minmax.manifest_canonical, b.ballot);
    if (b.expected === 'accepted') {
      expect(r).toEqual({ ok: true, reference: b.reference });
      const ids = chosenIds(minmax.manifest, 'consultation', b.choices);
      const made = baseline.createBallot(minmax.manifest_canonical, 'consultation', ids, b.vote_code,
        { nextScalar: seeded(scalarsOf(b.randomness)) });
      expect(made.ballot).toBe(b.ballot);
    } else {
      expect(r).toMatchObject({ ok: false, reason: b.expected });
    }
  });

  const code = voteCodes.codes[0].display;
  const made = [
    ['capn-2d', ['fsu']],
    ['capn-2d', ['blank']],
    ['csa-ministeriel', [manifestDoc.manifest.scrutins[0].options.at(-1).id]],
  ];
  test.each(made)('a ballot it makes for %s %j is accepted by the booth, same reference', (scrutin, ids) => {
    const { ballot, reference } = baseline.createBallot(manifest, scrutin, ids, code);
    expect(reference).toBe(sha256b64url(ballot));
    expect(booth.verifyBallot(manifest, ballot)).toEqual({ ok: true, reference });
    expect(baseline.verifyBallot(manifest, ballot)).toEqual({ ok: true, reference });
  });

  test.each([[[]], [['q1']], [['q2', 'q4']]])('min = 0, max = 2: a ballot it makes for %j is accepted by the booth', (ids) => {
    const { ballot, reference } = baseline.createBallot(minmax.manifest_canonical, 'consultation', ids, code);
    expect(booth.verifyBallot(minmax.manifest_canonical, ballot)).toEqual({ ok: true, reference });
  });

  test('the booth refuses its ballot once a proof is changed (the check can fail)', () => {
    const { ballot } = baseline.createBallot(manifest, 'capn-2d', ['fsu'], code);
    const doc = JSON.parse(ballot);
    [doc.answers[0].proof[0], doc.answers[0].proof[1]] = [doc.answers[0].proof[1], doc.answers[0].proof[0]];
    const changed = JSON.stringify(doc); // still canonical: same keys, same order
    expect(booth.verifyBallot(manifest, changed)).toMatchObject({ ok: false });
    expect(baseline.verifyBallot(manifest, changed)).toMatchObject({ ok: false });
  });

  test.each([['capn-2d', ['fsu']], ['capn-2d', ['blank']], ['csa-academique', ['sgen']]])(
    'accepts a ballot the booth makes for %s %j, same reference', (scrutin, ids) => {
      const { ballot, reference } = booth.createBallot(manifest, scrutin, ids, code);
      expect(baseline.verifyBallot(manifest, ballot)).toEqual({ ok: true, reference });
    });

  test('accepts a booth ballot for min = 0, max = 2 with two options marked', () => {
    const { ballot, reference } = booth.createBallot(minmax.manifest_canonical, 'consultation', ['q1', 'q3'], code);
    expect(baseline.verifyBallot(minmax.manifest_canonical, ballot)).toEqual({ ok: true, reference });
  });

  test('refuses a choice outside min..max instead of proving it', () => {
    expect(() => baseline.createBallot(manifest, 'capn-2d', ['fsu', 'blank'], code)).toThrow(/min..max/);
    expect(() => baseline.createBallot(manifest, 'capn-2d', ['nobody'], code)).toThrow(/unknown/);
  });
});

describe('the two baselines', () => {
  test('each accepts the other\'s ballots', () => {
    const [sodium, noble] = baselines;
    const code = voteCodes.codes[1].display;
    const a = sodium.createBallot(manifest, 'capn-2d', ['fsu'], code);
    const b = noble.createBallot(manifest, 'capn-2d', ['fsu'], code);
    expect(noble.verifyBallot(manifest, a.ballot)).toEqual({ ok: true, reference: a.reference });
    expect(sodium.verifyBallot(manifest, b.ballot)).toEqual({ ok: true, reference: b.reference });
    expect(a.ballot).not.toBe(b.ballot); // fresh randomness in each
  });
});
