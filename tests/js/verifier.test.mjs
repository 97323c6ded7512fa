// The record verifier module (web/booth/wasm/isoloir_verifier.mjs, what the
// results page runs in a Web Worker) on the vectors' complete record: it
// finds record.json's counts, and refuses a copy with one ballot line
// altered, naming ballots.jsonl; nothing it is handed makes it throw.
import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import createIsoloirVerifier from '../../web/booth/wasm/isoloir_verifier.mjs';
import { readVector, vectorsDir } from './support.mjs';

const verifier = await createIsoloirVerifier();
const expected = readVector('record.json');
const recordDir = path.join(vectorsDir, expected.directory);

const NAMES = {
  manifest: 'manifest.json', trustees: 'trustees.json', credentials: 'credentials.json', ballots: 'ballots.jsonl',
  tree_head: 'tree_head.json', tally: 'tally.json', results: 'results.json',
};
const files = Object.fromEntries(Object.entries(NAMES)
  .map(([key, name]) => [key, fs.readFileSync(path.join(recordDir, name), 'utf8')]));

describe('verifyRecord', () => {
  test("accepts the vectors' record and finds record.json's counts, telling its progress", () => {
    const progress = [];
    const r = verifier.verifyRecord(files, (done, total) => progress.push([done, total]));
    expect(r.ok).toBe(true);
    expect(r.election_hash).toBe(expected.election_hash);
    expect(r.ballots).toBe(expected.ballots);
    expect(r.voters).toBe(expected.voters);
    // Manifest order, every option (the blank vote included) with its count.
    const manifest = JSON.parse(files.manifest);
    expect(r.results.map((s) => s.scrutin)).toEqual(manifest.scrutins.map((s) => s.id));
    for (const s of r.results) {
      const options = manifest.scrutins.find((m) => m.id === s.scrutin).options.map((o) => o.id);
      expect(s.counts.map((c) => c.option)).toEqual(options);
      expect(Object.fromEntries(s.counts.map((c) => [c.option, c.count]))).toEqual(expected.results[s.scrutin]);
      expect(s.ballots).toBe(s.counts.reduce((sum, c) => sum + c.count, 0));
    }
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual([expected.ballots, expected.ballots]);
    for (const [done, total] of progress) {
      expect(total).toBe(expected.ballots);
      expect(done).toBeLessThanOrEqual(total);
    }
  });

  test('without a progress function: the same answer', () => {
    const r = verifier.verifyRecord(files);
    expect(r.ok).toBe(true);
    expect(r.election_hash).toBe(expected.election_hash);
  });

  test('refuses a copy with one ballot line altered, naming ballots.jsonl and the line', () => {
    const lines = files.ballots.split('\n');
    const k = 6;
    const line = JSON.parse(lines[k]);
    // One character of the first ciphertext's alpha changed: the reference,
    // proofs and signature no longer hold.
    const alpha = line.ballot.answers[0].alpha;
    line.ballot.answers[0].alpha = (alpha[0] === 'A' ? 'B' : 'A') + alpha.slice(1);
    lines[k] = JSON.stringify(line);
    const r = verifier.verifyRecord({ ...files, ballots: lines.join('\n') }, () => {});
    expect(r.ok).toBe(false);
    expect(typeof r.reason).toBe('string');
    expect(r.reason).not.toBe('');
    expect(r.detail).toMatch(new RegExp(`^ballots\\.jsonl line ${k + 1}\\b`));
  });

  test('refuses results.json claiming other counts, naming results.json', () => {
    const results = JSON.parse(files.results);
    const counts = results.scrutins[0].counts;
    [counts[0].count, counts[1].count] = [counts[1].count, counts[0].count];
    const r = verifier.verifyRecord({ ...files, results: JSON.stringify(results) });
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/results\.json/);
  });

  test('a throwing progress function does not stop the verification', () => {
    const r = verifier.verifyRecord(files, () => {
      throw new Error('display broken');
    });
    expect(r.ok).toBe(true);
    // and the module still answers afterwards
    expect(verifier.verifyRecord(files).ok).toBe(true);
  });

  test('arguments it cannot take are refused as values, never thrown', () => {
    for (const args of [[undefined], [null], [42], ['text'], [{}], [{ ...files, tally: 7 }], [files, 'not a function']]) {
      const r = verifier.verifyRecord(...args);
      expect(r).toEqual({ ok: false, reason: 'bad_argument', detail: expect.any(String) });
    }
    const r = verifier.verifyRecord({ ...files, manifest: '{' });
    expect(r.ok).toBe(false);
    expect(r.reason).not.toBe('bad_argument');
  });
});
