// The proof of work the server asks before a login, a link request or a
// code re-issue (docs/api.md, GET /api/v1/pow): instead of a picture
// CAPTCHA, the browser spends about a second of computing. The page asks
// for a challenge, the booth's WebAssembly module finds the nonce
// (booth.solvePow, in slices so the page stays responsive), and the request
// carries pow_challenge and pow_nonce. Nothing to read, type or click: a
// discreet line says "Vérification anti-robot…" while it works.
//
// The challenge is asked every time, even when the server's difficulty is
// 0 (then nothing is computed and the booth is not even loaded), so that the
// pages work the same whichever way the server is set up.
import { h } from './dom.js';

let boothPromise = null;

/** The booth (the WebAssembly module), loaded once and only when a proof is needed. */
function loadBoothOnce() {
  if (!boothPromise) {
    boothPromise = import('/booth/index.js').then((m) => m.loadBooth());
    boothPromise.catch(() => { boothPromise = null; });
  }
  return boothPromise;
}

// A challenge refused as expired, already used or altered is asked again
// once: the voter need not press the button a second time.
const RETRY = new Set(['pow_expired', 'pow_replayed', 'bad_pow']);

/**
 * Runs `send(pow)` with a solved challenge of `purpose` ('login' | 'link' |
 * 'reissue'), `pow` being {challenge, nonce} for the IsoloirApi methods.
 * `progress` is a statusBox (forms.js): it shows the discreet line while the
 * module computes, and is cleared after.
 */
export async function withPow(ctx, purpose, progress, send) {
  for (let attempt = 0; ; attempt++) {
    const pow = await ctx.api.solvedPow(purpose, async (challenge, difficulty) => {
      if (progress) progress.show(powLine(ctx));
      try {
        const booth = await loadBoothOnce();
        return await booth.solvePow(challenge, difficulty);
      } catch (e) {
        // The module could not load or refused: the server would refuse too.
        throw Object.assign(new Error('proof of work failed'), { error: 'pow_unavailable' });
      } finally {
        if (progress) progress.clear();
      }
    });
    try {
      return await send({ challenge: pow.challenge, nonce: pow.nonce });
    } catch (e) {
      if (attempt === 0 && e && RETRY.has(e.error)) continue;
      throw e;
    }
  }
}

/** The discreet progress line: words and a small spinner (no picture to read). */
export function powLine(ctx) {
  return h('p', { class: 'pow-progress' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    ctx.t('pow.solving'));
}
