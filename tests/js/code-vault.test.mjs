// The re-issued vote code in the WebAssembly module (issue 5): shown only
// during the 120 seconds after it was made, by the module's own clock, then
// wiped, and after the wipe the module's whole memory holds no copy of it,
// neither in the 20-symbol form nor in the display form.
import { describe, expect, test } from '@jest/globals';
import createIsoloirBooth from '../../web/booth/wasm/isoloir_booth.mjs';
import { loadBooth } from '../../web/booth/index.js';

// The module reads the clock through process.hrtime in Node: moved forward
// here, as the Playwright clock does in the browser test.
function fakeClock() {
  const real = process.hrtime;
  let offsetNs = 0n;
  process.hrtime = (prev) => {
    const [s, ns] = real.call(process);
    const t = BigInt(s) * 1_000_000_000n + BigInt(ns) + offsetNs;
    const now = [Number(t / 1_000_000_000n), Number(t % 1_000_000_000n)];
    if (!prev) return now;
    return [now[0] - prev[0], now[1] - prev[1]];
  };
  process.hrtime.bigint = () => real.bigint() + offsetNs;
  return {
    advance(seconds) { offsetNs += BigInt(Math.round(seconds * 1e9)); },
    restore() { process.hrtime = real; },
  };
}

function occurrences(heap, text) {
  const needle = Buffer.from(text, 'latin1');
  let count = 0;
  for (let i = Buffer.from(heap.buffer, heap.byteOffset, heap.length).indexOf(needle); i !== -1;
    i = Buffer.from(heap.buffer, heap.byteOffset, heap.length).indexOf(needle, i + 1)) {
    count++;
  }
  return count;
}

describe('code vault', () => {
  test('the code is shown for 120 s, then wiped; no copy is left in the module memory', async () => {
    const clock = fakeClock();
    try {
      const raw = await createIsoloirBooth();
      const booth = await loadBooth();
      const made = raw.regenerateCode('men-2022');
      expect(made.ok).toBe(true);
      const first = raw.revealCode();
      expect(first.ok).toBe(true);
      expect(first.code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
      expect(first.remaining).toBeGreaterThan(119);
      // The code is the credential's: what the server gets matches it.
      expect(booth.credential('men-2022', first.code)).toBe(made.credential);
      const compact = first.code.replace(/-/g, '');
      // While held, the module has it (once, in the vault), never the display form.
      expect(occurrences(raw.HEAPU8, compact)).toBe(1);
      expect(occurrences(raw.HEAPU8, first.code)).toBe(0);

      clock.advance(119);
      expect(raw.revealCode().code).toBe(first.code);
      expect(raw.codeRemaining()).toBeGreaterThan(0);
      clock.advance(1.01);
      const gone = raw.revealCode();
      expect(gone).toMatchObject({ ok: false, reason: 'code_expired' });
      expect(raw.codeRemaining()).toBe(0);
      expect(occurrences(raw.HEAPU8, compact)).toBe(0);
      expect(occurrences(raw.HEAPU8, first.code)).toBe(0);
      expect(occurrences(raw.HEAPU8, compact.slice(0, 10))).toBe(0);
      // Asking again changes nothing.
      clock.advance(-60);
      expect(raw.revealCode()).toMatchObject({ ok: false, reason: 'code_expired' });
    } finally {
      clock.restore();
    }
  });

  test('the booth API throws code_expired and forgetCode wipes at once', async () => {
    const raw = await createIsoloirBooth();
    expect(raw.revealCode()).toMatchObject({ ok: false, reason: 'no_code' });
    const booth = await loadBooth();
    const credential = booth.regenerateCode('men-2022');
    expect(credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { code } = booth.revealCode();
    expect(booth.credential('men-2022', code)).toBe(credential);
    booth.forgetCode();
    expect(() => booth.revealCode()).toThrow(expect.objectContaining({ reason: 'no_code' }));
    expect(booth.codeRemaining()).toBe(0);
  });
});
