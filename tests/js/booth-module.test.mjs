// The booth module's own functions (wasm/bindings.cpp's C entry points and
// wasm/booth_api.js), below web/booth/index.js, in both builds: they answer
// {ok: false, reason: 'bad_argument'} to what they cannot take instead of
// throwing, and a ballot made with a vote code leaves no copy of the code in
// the module's memory (the argument buffers are wiped after each call).
import { describe, expect, test } from '@jest/globals';
import createPlain from '../../web/booth/wasm/isoloir_booth.mjs';
import createSimd from '../../web/booth/wasm/isoloir_booth_simd.mjs';
import { vectorsManifest } from './support.mjs';

const manifest = vectorsManifest();

function occurrences(heap, text) {
  const hay = Buffer.from(heap.buffer, heap.byteOffset, heap.length);
  const needle = Buffer.from(text, 'latin1');
  let count = 0;
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + 1)) count++;
  return count;
}

describe.each([['plain', createPlain], ['SIMD', createSimd]])('the %s module', (_name, create) => {
  test('arguments it cannot take are refused, never thrown', async () => {
    const raw = await create();
    const refused = (r, detail) => expect(r).toEqual({ ok: false, reason: 'bad_argument', detail });
    refused(raw.verifyBallot(42, '{}'), 'manifestJson must be a string');
    refused(raw.verifyBallot(manifest, null), 'ballot must be a string');
    refused(raw.createBallot(manifest, 'capn-2d', 'fsu', 'x'), 'optionIds must be an array of strings');
    refused(raw.createBallot(manifest, 'capn-2d', ['fsu', 7], 'x'), 'optionIds must be an array of strings');
    refused(raw.createBallot(manifest, 'capn-2d', ['fsu', 'a\ud800'], 'x'),
      'optionIds[1] holds a lone surrogate (not Unicode text)');
    refused(raw.verifyBallot(manifest, '{"a":"\udc00"}'), 'ballot holds a lone surrogate (not Unicode text)');
    refused(raw.normalizeCode(undefined), 'input must be a string');
    refused(raw.verifyInclusion(manifest, 'r', '3', '{}', []), 'logIndex must be a non-negative integer');
    refused(raw.verifyInclusion(manifest, 'r', 3, '{}', 'p'), 'path must be an array of strings');
    refused(raw.verifyInclusion(manifest, 'r', 1.5, '{}', []), 'logIndex must be a non-negative integer');
    refused(raw.powSearch('c', 'x', 0, 1), 'difficulty, start and count must be numbers');
    refused(raw.powSearch('c', 3.5, 0, 1), 'difficulty out of range');
    refused(raw.regenerateCode(''), 'electionId is empty');
    // A well-formed pair is text, and passes through to the core's own checks.
    expect(raw.verifyBallot(manifest, '{"a":"\ud83d\uddf3"}')).toMatchObject({ ok: false, reason: 'malformed' });
    // Engines without String.prototype.isWellFormed: the regular expression
    // refuses the same strings.
    const isWellFormed = String.prototype.isWellFormed;
    delete String.prototype.isWellFormed;
    try {
      refused(raw.verifyBallot(manifest, '{"a":"\udc00"}'), 'ballot holds a lone surrogate (not Unicode text)');
      refused(raw.createBallot(manifest, 'capn-2d', ['fsu', 'a\ud800'], 'x'),
        'optionIds[1] holds a lone surrogate (not Unicode text)');
      expect(raw.verifyBallot(manifest, '{"a":"\ud83d\uddf3"}')).toMatchObject({ ok: false, reason: 'malformed' });
    } finally {
      String.prototype.isWellFormed = isWellFormed;
    }
  });

  test('a ballot made with a code leaves no copy of the code in the module memory', async () => {
    const raw = await create();
    const code = raw.newCode();
    const compact = raw.normalizeCode(code).value;
    const r = raw.createBallot(manifest, 'capn-2d', ['fsu'], code);
    expect(r.ok).toBe(true);
    // Whole, and its middle (a freed buffer's first and last words are
    // overwritten by the allocator's own pointers, which would hide a copy).
    for (const text of [code, compact, code.slice(8, 20), compact.slice(6, 16)]) {
      expect(occurrences(raw.HEAPU8, text)).toBe(0);
    }
    expect(raw.verifyBallot(manifest, r.ballot)).toEqual({ ok: true, reference: r.reference });
  });
});
