// Isoloir booth: the voter's side of the protocol, in the browser or in Node.
//
//   import { loadBooth } from 'isoloir';
//   const booth = await loadBooth();
//   const { ballot, reference } = booth.createBallot(manifestJson, 'capn-2d', ['fsu'], code);
//
// A thin, ergonomic layer over the WebAssembly module built from the C++ core
// (wasm/bindings.cpp): the same code the server and the native tools run.
// The module files (wasm/isoloir_booth.mjs + .wasm) sit beside this file and
// are located relative to import.meta.url, so this works unbundled in browsers,
// in bundlers that understand `new URL(..., import.meta.url)`, and in Node 20.

/** A refusal from the booth: `reason` is the protocol's stable code, `detail` names the field. */
export class IsoloirError extends Error {
  constructor(reason, detail = '') {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'IsoloirError';
    this.reason = reason;
    this.detail = detail;
  }
}

let boothPromise = null;

/**
 * Loads the WebAssembly module once and resolves to the booth API; later calls
 * return the same promise. `options` (first call only) go to the emscripten
 * factory, e.g. `{ locateFile: (name) => url }` or `{ wasmBinary }`, except
 * `simd`: the module is built twice, with and without WebAssembly SIMD
 * (wasm/isoloir_booth_simd.* makes ballots about a fifth faster); the SIMD
 * one is loaded where the engine validates SIMD, unless `simd: false`
 * (`simd: true` insists on it). A `wasmBinary` given must be that module's.
 */
export function loadBooth(options = undefined) {
  if (!boothPromise) {
    boothPromise = instantiate(options).catch((err) => {
      boothPromise = null; // let a later call retry (e.g. after a network error)
      throw err;
    });
  }
  return boothPromise;
}

// The smallest module using a SIMD instruction (i8x16.splat, i8x16.popcnt:
// the final SIMD opcodes), as wasm-feature-detect tests it. Engines without
// SIMD (Safari before 16.4) refuse it; validating compiles nothing.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
  10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** Whether this engine runs WebAssembly SIMD (the faster booth module). */
export function hasWasmSimd() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

async function instantiate(options) {
  const { simd, ...factoryOptions } = options || {};
  const useSimd = simd === undefined ? hasWasmSimd() : Boolean(simd);
  // Two literal imports, so that bundlers see and ship both files.
  const { default: createIsoloirBooth } = useSimd
    ? await import('./wasm/isoloir_booth_simd.mjs')
    : await import('./wasm/isoloir_booth.mjs');
  const raw = await createIsoloirBooth(factoryOptions);
  return makeBooth(raw, useSimd);
}

// Manifests may be given as text (hashed in canonical form by the core) or as an object.
function manifestText(manifest, name = 'manifestJson') {
  if (typeof manifest === 'string') return manifest;
  if (manifest !== null && typeof manifest === 'object') return JSON.stringify(manifest);
  throw new IsoloirError('bad_argument', `${name} must be a JSON string or an object`);
}

// Signed documents (ballots, receipts, tree heads) are verified byte for byte:
// they must be given as the exact text received.
function documentText(doc, name) {
  if (typeof doc === 'string') return doc;
  throw new IsoloirError('bad_argument', `${name} must be the document's exact text (a string)`);
}

// A tree head as received (text), or as an object (e.g. the one inside a
// parsed deposit proof), which is written in canonical JSON (PROTOCOL.md
// section 1: keys sorted, no whitespace; strings and integers as
// JSON.stringify writes them): the signature covers those bytes.
function treeHeadText(treeHead) {
  if (treeHead !== null && typeof treeHead === 'object') return canonicalJson(treeHead);
  return documentText(treeHead, 'treeHead');
}

function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort(); // ASCII keys: code-unit order is byte order
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function str(value, name) {
  if (typeof value !== 'string') throw new IsoloirError('bad_argument', `${name} must be a string`);
  return value;
}

function stringArray(value, name) {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new IsoloirError('bad_argument', `${name} must be an array of strings`);
  }
  return value;
}

function refusal(r) {
  return { ok: false, reason: r.reason, detail: r.detail };
}

function valueOrThrow(r) {
  if (!r.ok) throw new IsoloirError(r.reason, r.detail);
  return r.value;
}

function makeBooth(raw, simd) {
  return Object.freeze({
    /** Whether the SIMD module was loaded (see loadBooth). */
    simd,

    createBallot(manifestJson, scrutinId, optionIds, code) {
      const r = raw.createBallot(manifestText(manifestJson), str(scrutinId, 'scrutinId'),
        stringArray(optionIds, 'optionIds'), str(code, 'code'));
      if (!r.ok) throw new IsoloirError(r.reason, r.detail);
      return { ballot: r.ballot, reference: r.reference };
    },

    verifyBallot(manifestJson, ballot) {
      const r = raw.verifyBallot(manifestText(manifestJson), documentText(ballot, 'ballot'));
      return r.ok ? { ok: true, reference: r.reference } : refusal(r);
    },

    newCode() {
      return raw.newCode();
    },

    normalizeCode(input) {
      return valueOrThrow(raw.normalizeCode(str(input, 'input')));
    },

    displayCode(input) {
      return valueOrThrow(raw.displayCode(str(input, 'input')));
    },

    credential(electionId, code) {
      return valueOrThrow(raw.credential(str(electionId, 'electionId'), str(code, 'code')));
    },

    electionHash(manifestJson) {
      return valueOrThrow(raw.electionHash(manifestText(manifestJson)));
    },

    verifyReceipt(manifestJson, receipt) {
      const r = raw.verifyReceipt(manifestText(manifestJson), documentText(receipt, 'receipt'));
      if (!r.ok) return refusal(r);
      return { ok: true, kind: r.kind, scrutin: r.scrutin, reference: r.reference, time: r.time };
    },

    /**
     * Makes a new vote code inside the module (re-issue, issue 5) and returns
     * its public credential for `electionId`: the only thing to send to the
     * server. The code itself stays in the module's memory.
     */
    regenerateCode(electionId) {
      const r = raw.regenerateCode(str(electionId, 'electionId'));
      if (!r.ok) throw new IsoloirError(r.reason, r.detail);
      return r.credential;
    },

    /**
     * The code made by regenerateCode, in display form, with the seconds left
     * to show it: only during the 120 seconds after it was made, by the
     * module's clock. After that the module has wiped it and this throws
     * IsoloirError('code_expired'), whatever the page does.
     */
    revealCode() {
      const r = raw.revealCode();
      if (!r.ok) throw new IsoloirError(r.reason, r.detail);
      return { code: r.code, remaining: r.remaining };
    },

    /** Seconds left to show the code (0 when there is none). */
    codeRemaining() {
      return raw.codeRemaining();
    },

    /** Wipes the code from the module now (the voter has noted it). */
    forgetCode() {
      raw.forgetCode();
    },

    /**
     * Solves a proof-of-work challenge from the server (GET /api/v1/pow):
     * resolves to the first nonce whose hash has `difficulty` leading zero
     * bits. Searches in slices of `slice` hashes and yields to the event loop
     * between them, so the page stays responsive; `signal` (an AbortSignal)
     * stops it with an AbortError.
     */
    async solvePow(challenge, difficulty, { slice = 32768, signal } = {}) {
      str(challenge, 'challenge');
      if (!Number.isInteger(difficulty)) throw new IsoloirError('bad_argument', 'difficulty must be an integer');
      for (let start = 0; start <= Number.MAX_SAFE_INTEGER; start += slice) {
        if (signal && signal.aborted) throw new DOMException('proof of work aborted', 'AbortError');
        const r = raw.powSearch(challenge, difficulty, start, slice);
        if (r.ok) return r.nonce;
        if (r.reason !== 'not_found') throw new IsoloirError(r.reason, r.detail);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      throw new IsoloirError('not_found', 'no solution');
    },

    verifyInclusion({ manifestJson, reference, logIndex, treeHead, path } = {}) {
      if (!Number.isSafeInteger(logIndex) || logIndex < 0) {
        throw new IsoloirError('bad_argument', 'logIndex must be a non-negative integer');
      }
      const r = raw.verifyInclusion(manifestText(manifestJson), str(reference, 'reference'), logIndex,
        treeHeadText(treeHead), stringArray(path, 'path'));
      return r.ok ? { ok: true } : refusal(r);
    },
  });
}
