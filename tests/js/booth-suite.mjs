// The npm package's API (web/booth/index.js over a wasm booth module), on
// the protocol vectors of ../shared/vectors. A suite, run once per module:
// tests/js/booth.test.mjs on the SIMD one, tests/js/booth-plain.test.mjs on
// the plain one (loadBooth chooses, web/booth/index.js).
import { describe, expect, test } from '@jest/globals';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadBooth, IsoloirError } from '../../web/booth/index.js';
import { readVector, sha256b64url, vectorsDir, vectorsManifest } from './support.mjs';

/** Registers every test against the module that loadBooth(options) loads. */
export async function boothSuite(options) {
  const booth = await loadBooth(options);
  const manifest = vectorsManifest();
  const manifestDoc = readVector('manifest.json');

  // The IsoloirError thrown by fn, or a failure naming what happened instead.
  function refusalOf(fn) {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(IsoloirError);
      expect(e).toBeInstanceOf(Error);
      return e;
    }
    throw new Error('expected an IsoloirError, nothing was thrown');
  }

  describe('loadBooth', () => {
    test('resolves once: the same booth on every call', async () => {
      expect(await loadBooth()).toBe(booth);
    });

    test('electionHash of the vectors manifest, as text and as an object', () => {
      expect(booth.electionHash(manifest)).toBe(manifestDoc.election_hash);
      expect(booth.electionHash(manifestDoc.manifest)).toBe(manifestDoc.election_hash);
    });
  });

  describe('ballots_valid.json', () => {
    const { ballots } = readVector('ballots_valid.json');
    test('has ballots', () => expect(ballots.length).toBeGreaterThan(0));
    test.each(ballots.map((b) => [b.name, b]))('%s is accepted with its reference', (_name, b) => {
      expect(booth.verifyBallot(manifest, b.ballot)).toEqual({ ok: true, reference: b.reference });
      expect(sha256b64url(b.ballot)).toBe(b.reference);
    });
  });

  describe('ballots_invalid.json', () => {
    const { ballots } = readVector('ballots_invalid.json');
    test('has ballots', () => expect(ballots.length).toBeGreaterThan(0));
    test.each(ballots.map((b) => [b.name, b]))('%s is refused for its expected reason', (_name, b) => {
      const r = booth.verifyBallot(manifest, b.ballot);
      expect(r.ok).toBe(false);
      expect(r.reason).toBe(b.expected_reason);
      expect(typeof r.detail).toBe('string');
    });
  });

  describe('vote_codes.json', () => {
    const v = readVector('vote_codes.json');
    test.each(v.codes.map((c) => [c.code, c]))('code %s: normalised, display form, credential', (_code, c) => {
      expect(booth.normalizeCode(c.code)).toBe(c.code);
      expect(booth.normalizeCode(c.display)).toBe(c.code);
      expect(booth.displayCode(c.code)).toBe(c.display);
      expect(booth.credential(v.election_id, c.code)).toBe(c.credential);
      expect(booth.credential(v.election_id, c.display)).toBe(c.credential);
      expect(c.code.at(-1)).toBe(c.check_symbol);
    });

    test.each(v.normalise.map((c, i) => [i, JSON.stringify(c.input), c]))('normalise #%i %s', (_i, _input, c) => {
      if (c.expected_reason) {
        const e = refusalOf(() => booth.normalizeCode(c.input));
        expect(e.reason).toBe(c.expected_reason);
        expect(refusalOf(() => booth.credential(v.election_id, c.input)).reason).toBe(c.expected_reason);
      } else {
        expect(booth.normalizeCode(c.input)).toBe(c.normalised);
        if (c.credential) expect(booth.credential(v.election_id, c.input)).toBe(c.credential);
      }
    });
  });

  describe('receipts.json', () => {
    const v = readVector('receipts.json');
    const cases = [
      ...v.deposits.map((c) => [c.name, c.deposit, c.expected]),
      ...v.emargements.map((c) => [c.name, c.emargement, c.expected]),
    ];
    test('the receipts are for the vectors manifest', () => {
      expect(v.election_hash).toBe(manifestDoc.election_hash);
      expect(v.server_key).toBe(manifestDoc.manifest.server_key);
    });
    test.each(cases)('%s', (_name, text, expected) => {
      const r = booth.verifyReceipt(manifest, text);
      if (expected === 'accepted') {
        const doc = JSON.parse(text);
        expect(r).toEqual({
          ok: true,
          kind: doc.kind,
          scrutin: doc.scrutin,
          reference: doc.kind === 'deposit' ? doc.reference : '',
          time: doc.kind === 'deposit' ? doc.received_at : doc.voted_at,
        });
      } else if (expected === 'wrong_kind') {
        // emargement-wrong-kind: an émargement's keys with "kind": "deposit" is
        // wrong_kind only to a verifier expecting an émargement; verifyReceipt
        // dispatches on the kind, so to it this is a malformed deposit (as the
        // conformance checks' dispatching verifier says, receipts_checks.cpp).
        expect(r).toMatchObject({ ok: false, reason: 'malformed' });
      } else {
        expect(r).toMatchObject({ ok: false, reason: expected });
      }
    });
  });

  describe('verifyInclusion', () => {
    const merkle = readVector('merkle.json');

    describe.each(merkle.trees.map((t) => [t.size, t]))('merkle.json tree of size %i', (size, tree) => {
      const full = tree.inclusion.filter((p) => p.size === size);
      test('has inclusion proofs against its signed head', () => expect(full.length).toBeGreaterThan(0));
      test.each(full.map((p) => [p.index, p]))('leaf %i is included', (_i, p) => {
        const query = { manifestJson: manifest, reference: tree.leaves[p.index], logIndex: p.index, treeHead: tree.tree_head, path: p.path };
        expect(booth.verifyInclusion(query)).toEqual({ ok: true });
        // as text: exactly the canonical bytes, anything else is refused
        const sorted = Object.fromEntries(Object.entries(tree.tree_head).sort(([a], [b]) => (a < b ? -1 : 1)));
        expect(booth.verifyInclusion({ ...query, treeHead: JSON.stringify(sorted) })).toEqual({ ok: true });
        expect(booth.verifyInclusion({ ...query, treeHead: JSON.stringify(sorted, null, 1) })).toMatchObject({ ok: false, reason: 'non_canonical_json' });
      });
    });

    const invalid = merkle.invalid_inclusion.filter((c) => {
      const tree = merkle.trees.find((t) => t.size === c.tree_size_of_leaves);
      return tree && c.size === tree.tree_head.size; // the signed head fixes the size
    });
    test.each(invalid.map((c) => [c.why, c.tree_size_of_leaves, c]))('invalid: %s (tree of %i)', (_why, size, c) => {
      const tree = merkle.trees.find((t) => t.size === size);
      const r = booth.verifyInclusion({ manifestJson: manifest, reference: c.leaf, logIndex: c.index, treeHead: tree.tree_head, path: c.path });
      expect(r.ok).toBe(false);
      expect(typeof r.reason).toBe('string');
    });

    // The record's log: audit paths computed here in JS (RFC 9162 2.1.3) from
    // the references, verified in wasm against the record's signed tree head.
    test('record/: every ballot of ballots.jsonl is in the log of tree_head.json', () => {
      const recordManifest = fs.readFileSync(path.join(vectorsDir, 'record', 'manifest.json'), 'utf8');
      const treeHead = fs.readFileSync(path.join(vectorsDir, 'record', 'tree_head.json'), 'utf8');
      const lines = fs.readFileSync(path.join(vectorsDir, 'record', 'ballots.jsonl'), 'utf8').split('\n').filter(Boolean);
      const entries = lines.map((l) => JSON.parse(l));
      const leaves = entries.map((e) => leafHash(Buffer.from(e.reference, 'base64url')));
      expect(JSON.parse(treeHead).size).toBe(entries.length);
      expect(mth(leaves).toString('base64url')).toBe(JSON.parse(treeHead).root);
      for (const e of entries) {
        const p = auditPath(e.log_index, leaves).map((h) => h.toString('base64url'));
        const query = { manifestJson: recordManifest, reference: e.reference, logIndex: e.log_index, treeHead, path: p };
        expect([e.log_index, booth.verifyInclusion(query)]).toEqual([e.log_index, { ok: true }]);
      }
      // the same path at another index, and another ballot's reference, are refused
      const p0 = auditPath(0, leaves).map((h) => h.toString('base64url'));
      expect(booth.verifyInclusion({ manifestJson: recordManifest, reference: entries[0].reference, logIndex: 1, treeHead, path: p0 }).ok).toBe(false);
      expect(booth.verifyInclusion({ manifestJson: recordManifest, reference: entries[1].reference, logIndex: 0, treeHead, path: p0 }).ok).toBe(false);
    });

    test('a tree head signed for another election or altered is refused', () => {
      const tree = merkle.trees[0];
      const p = tree.inclusion.find((x) => x.size === tree.size);
      const altered = { ...tree.tree_head, timestamp: '2022-12-08T16:00:01Z' };
      const r = booth.verifyInclusion({ manifestJson: manifest, reference: tree.leaves[p.index], logIndex: p.index, treeHead: altered, path: p.path });
      expect(r).toMatchObject({ ok: false });
    });

    test('logIndex must be a non-negative integer', () => {
      const tree = merkle.trees[0];
      for (const logIndex of [-1, 1.5, NaN, '0', undefined]) {
        const e = refusalOf(() => booth.verifyInclusion({ manifestJson: manifest, reference: tree.leaves[0], logIndex, treeHead: tree.tree_head, path: [] }));
        expect(e.reason).toBe('bad_argument');
      }
    });
  });

  describe('createBallot', () => {
    const codes = readVector('vote_codes.json').codes;
    const electionId = manifestDoc.manifest.id;

    test('round trip: created ballots verify, reference = base64url(SHA-256(bytes))', () => {
      const code = codes[0].display;
      for (const scrutin of manifestDoc.manifest.scrutins) {
        for (const option of [scrutin.options[0], scrutin.options.at(-1)]) {
          const { ballot, reference } = booth.createBallot(manifest, scrutin.id, [option.id], code);
          expect(reference).toMatch(/^[A-Za-z0-9_-]{43}$/);
          expect(reference).toBe(sha256b64url(ballot));
          expect(booth.verifyBallot(manifest, ballot)).toEqual({ ok: true, reference });
          const doc = JSON.parse(ballot);
          expect(doc.scrutin).toBe(scrutin.id);
          expect(doc.election).toBe(manifestDoc.election_hash);
          expect(doc.credential).toBe(booth.credential(electionId, code));
          expect(doc.answers).toHaveLength(scrutin.options.length);
          expect(JSON.stringify(doc)).toBe(ballot); // canonical: sorted keys, no whitespace
        }
      }
    });

    test('two ballots for the same choice differ (fresh randomness)', () => {
      const a = booth.createBallot(manifest, 'capn-2d', ['fsu'], codes[0].code);
      const b = booth.createBallot(manifest, 'capn-2d', ['fsu'], codes[0].code);
      expect(a.reference).not.toBe(b.reference);
    });

    test('newCode() gives a valid code in display form whose check symbol works', () => {
      const seen = new Set();
      for (let i = 0; i < 20; i++) {
        const code = booth.newCode();
        expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/);
        const normalised = booth.normalizeCode(code);
        expect(normalised).toBe(code.replaceAll('-', ''));
        expect(booth.displayCode(normalised)).toBe(code);
        // check symbol = alphabet[SHA-256(first 19 symbols)[0] & 31]
        const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
        const digest = crypto.createHash('sha256').update(normalised.slice(0, 19), 'ascii').digest();
        expect(normalised[19]).toBe(alphabet[digest[0] & 31]);
        // a wrong check symbol is refused
        const wrong = normalised.slice(0, 19) + alphabet[(alphabet.indexOf(normalised[19]) + 1) % 32];
        expect(refusalOf(() => booth.normalizeCode(wrong)).reason).toBe('bad_vote_code');
        seen.add(normalised);
        booth.createBallot(manifest, 'capn-2d', ['blank'], code); // usable as is
      }
      expect(seen.size).toBe(20);
    });

    test('refusals carry reason and detail', () => {
      const code = codes[0].code;
      const cases = [
        [() => booth.createBallot(manifest, 'no-such-scrutin', ['fsu'], code), 'unknown_scrutin'],
        [() => booth.createBallot(manifest, 'capn-2d', ['no-such-option'], code), 'unknown_option'],
        [() => booth.createBallot(manifest, 'capn-2d', ['fsu', 'blank'], code), 'wrong_choice_count'],
        [() => booth.createBallot(manifest, 'capn-2d', [], code), 'wrong_choice_count'],
        [() => booth.createBallot(manifest, 'capn-2d', ['fsu'], 'D7ZZV-RHNQ7-94R0R-YB8EX'), 'bad_vote_code'],
        [() => booth.createBallot(manifest, 'capn-2d', ['fsu'], ''), 'bad_vote_code'],
        [() => booth.createBallot(manifest, 'capn-2d', 'fsu', code), 'bad_argument'],
        [() => booth.createBallot(manifest, 'capn-2d', [1], code), 'bad_argument'],
        [() => booth.createBallot(42, 'capn-2d', ['fsu'], code), 'bad_argument'],
      ];
      for (const [fn, reason] of cases) {
        const e = refusalOf(fn);
        expect([reason, e.reason]).toEqual([reason, reason]);
        expect(e.name).toBe('IsoloirError');
        expect(typeof e.detail).toBe('string');
        expect(e.message.startsWith(reason)).toBe(true);
      }
    });

    test('a manifest that is not one is refused', () => {
      expect(refusalOf(() => booth.electionHash('{')).reason).toMatch(/^(malformed|non_canonical_json)$/);
      expect(refusalOf(() => booth.createBallot('{}', 'capn-2d', ['fsu'], codes[0].code)).reason).toBeTruthy();
      expect(booth.verifyBallot('{}', '{}')).toMatchObject({ ok: false });
    });
  });

  // RFC 9162 Merkle tree hashing, for the record test.
  function leafHash(digest) {
    return crypto.createHash('sha256').update(Buffer.concat([Buffer.from([0]), digest])).digest();
  }
  function nodeHash(l, r) {
    return crypto.createHash('sha256').update(Buffer.concat([Buffer.from([1]), l, r])).digest();
  }
  function splitPoint(n) {
    let k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }
  function mth(leaves) {
    if (leaves.length === 1) return leaves[0];
    const k = splitPoint(leaves.length);
    return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
  }
  function auditPath(m, leaves) {
    if (leaves.length <= 1) return [];
    const k = splitPoint(leaves.length);
    return m < k
      ? [...auditPath(m, leaves.slice(0, k)), mth(leaves.slice(k))]
      : [...auditPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
  }

  // The proof of work the server asks before logins and links: the module's
  // answer checked with Node's own SHA-256 against the definition in
  // include/isoloir/pow.h, and no smaller nonce skipped.
  describe('solvePow', () => {
    const zeroBits = (challenge, nonce) => {
      const be = Buffer.alloc(8);
      be.writeBigUInt64BE(BigInt(nonce));
      const h = crypto.createHash('sha256')
        .update(Buffer.concat([Buffer.from('isoloir/1/pow\0'), Buffer.from(challenge), be])).digest();
      let bits = 0;
      for (const x of h) {
        if (x === 0) { bits += 8; continue; }
        return bits + Math.clz32(x) - 24;
      }
      return bits;
    };

    test('finds the first nonce with the asked leading zero bits', async () => {
      const booth = await loadBooth();
      for (const difficulty of [0, 6, 12]) {
        const challenge = `challenge-${difficulty}-${'x'.repeat(60)}`;
        const nonce = await booth.solvePow(challenge, difficulty, { slice: 1000 });
        expect(zeroBits(challenge, nonce)).toBeGreaterThanOrEqual(difficulty);
        for (let n = 0; n < nonce; n++) expect(zeroBits(challenge, n)).toBeLessThan(difficulty);
      }
    });

    test('stops when aborted and refuses bad arguments', async () => {
      const booth = await loadBooth();
      const ctl = new AbortController();
      const running = booth.solvePow('hard', 40, { slice: 1000, signal: ctl.signal });
      ctl.abort();
      await expect(running).rejects.toMatchObject({ name: 'AbortError' });
      await expect(booth.solvePow('x', 41)).rejects.toMatchObject({ reason: 'bad_argument' });
      await expect(booth.solvePow(7, 4)).rejects.toMatchObject({ reason: 'bad_argument' });
    });
  });
}
