// The booth's suite (tests/js/booth-suite.mjs) on the plain WebAssembly
// module, the one an engine without SIMD (Safari before 16.4) gets: here
// WebAssembly.validate is made to refuse the SIMD probe, as such an engine
// does, and loadBooth() must pick the plain module by itself.
import { describe, expect, test } from '@jest/globals';
import { hasWasmSimd, loadBooth } from '../../web/booth/index.js';
import { boothSuite } from './booth-suite.mjs';

const validate = WebAssembly.validate;
WebAssembly.validate = (bytes) => {
  const b = new Uint8Array(bytes);
  // Any module using an opcode of the SIMD prefix (0xfd) is refused.
  return b.includes(0xfd) ? false : validate.call(WebAssembly, bytes);
};

describe('module choice', () => {
  test('without SIMD, loadBooth() takes the plain module', async () => {
    expect(hasWasmSimd()).toBe(false);
    expect((await loadBooth()).simd).toBe(false);
  });
});

await boothSuite(undefined);
