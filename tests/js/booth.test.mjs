// The booth's suite (tests/js/booth-suite.mjs) on the WebAssembly SIMD module,
// which loadBooth picks by itself where the engine has SIMD, as Node has.
import { describe, expect, test } from '@jest/globals';
import { hasWasmSimd, loadBooth } from '../../web/booth/index.js';
import { boothSuite } from './booth-suite.mjs';

describe('module choice', () => {
  test('Node validates SIMD, and loadBooth() takes the SIMD module', async () => {
    expect(hasWasmSimd()).toBe(true);
    expect((await loadBooth()).simd).toBe(true);
  });
});

await boothSuite(undefined);
