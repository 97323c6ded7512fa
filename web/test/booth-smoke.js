// Smoke test of the booth package in a real browser: load the wasm module,
// create a ballot for the vectors' manifest, verify it, check its reference
// against WebCrypto's SHA-256, and expose everything as window.__isoloirSmoke
// for tests/browser/booth.spec.mjs (and on the page, for the screenshot).
//
// Query parameters: manifest (URL of a manifest, or of vectors/manifest.json),
// scrutin (default capn-2d), option (default fsu), simd (0: the plain module
// even where the browser has SIMD; default: loadBooth chooses).
import { loadBooth, IsoloirError } from '../booth/index.js';

const params = new URLSearchParams(location.search);
const manifestUrl = params.get('manifest') || '/vectors/manifest.json';
const scrutinId = params.get('scrutin') || 'capn-2d';
const optionId = params.get('option') || 'fsu';
const loadOptions = params.get('simd') === '0' ? { simd: false } : undefined;

const statusEl = document.getElementById('status');
const factsEl = document.getElementById('facts');

function fact(name, value) {
  const dt = document.createElement('dt');
  dt.textContent = name;
  const dd = document.createElement('dd');
  dd.textContent = value;
  factsEl.append(dt, dd);
}

function base64url(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

async function run() {
  const result = { done: false, ok: false, checks: {} };
  const t0 = performance.now();
  const booth = await loadBooth(loadOptions);
  result.loadMs = performance.now() - t0;
  result.simd = booth.simd;

  const doc = await (await fetch(manifestUrl)).json();
  // vectors/manifest.json wraps the manifest; a plain manifest is used as is
  const manifest = doc.manifest_canonical ?? (doc.manifest ? JSON.stringify(doc.manifest) : JSON.stringify(doc));
  result.electionHash = booth.electionHash(manifest);

  const code = booth.newCode();
  result.code = code;
  result.credential = booth.credential(JSON.parse(manifest).id, code);

  const t1 = performance.now();
  const { ballot, reference } = booth.createBallot(manifest, scrutinId, [optionId], code);
  result.createMs = performance.now() - t1;
  result.ballot = ballot;
  result.reference = reference;

  const t2 = performance.now();
  result.verify = booth.verifyBallot(manifest, ballot);
  result.verifyMs = performance.now() - t2;

  result.sha256 = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(ballot)));

  // A refusal surfaces as an IsoloirError with its reason.
  try {
    booth.createBallot(manifest, scrutinId, [optionId], 'not a code');
    result.refusal = null;
  } catch (e) {
    result.refusal = { isIsoloirError: e instanceof IsoloirError, reason: e.reason, detail: e.detail };
  }

  // Served by tests/browser/server.mjs, the page runs under a CSP without
  // 'unsafe-eval': the booth must not need eval (emscripten DYNAMIC_EXECUTION=0).
  try {
    result.evalAllowed = new Function('return true')(); // eslint-disable-line no-new-func
  } catch {
    result.evalAllowed = false;
  }

  result.checks = {
    verified: result.verify.ok === true,
    sameReference: result.verify.reference === reference,
    referenceIsSha256: result.sha256 === reference,
    credentialInBallot: JSON.parse(ballot).credential === result.credential,
    refusalReason: result.refusal?.isIsoloirError === true && result.refusal.reason === 'bad_vote_code',
  };
  result.ok = Object.values(result.checks).every(Boolean);

  fact('manifest', manifestUrl);
  fact('election hash', result.electionHash);
  fact('scrutin / option', `${scrutinId} / ${optionId}`);
  fact('vote code', code);
  fact('ballot', `${new TextEncoder().encode(ballot).length} bytes`);
  fact('reference', reference);
  fact('SHA-256 (WebCrypto)', result.sha256);
  fact('verifyBallot', JSON.stringify(result.verify));
  fact('bad code refused', JSON.stringify(result.refusal));
  fact('timings', `load ${result.loadMs.toFixed(1)} ms, create ${result.createMs.toFixed(1)} ms, verify ${result.verifyMs.toFixed(1)} ms`);
  fact('eval allowed by the page CSP', String(result.evalAllowed));
  fact('user agent', navigator.userAgent);
  for (const [name, passed] of Object.entries(result.checks)) fact(`check ${name}`, passed ? 'pass' : 'FAIL');
  return result;
}

run()
  .then((result) => {
    statusEl.textContent = result.ok ? 'PASS — ballot created and verified in the browser' : 'FAIL — see the checks below';
    statusEl.className = result.ok ? 'pass' : 'fail';
    window.__isoloirSmoke = { ...result, done: true };
  })
  .catch((e) => {
    statusEl.textContent = `FAIL — ${e && e.message ? e.message : e}`;
    statusEl.className = 'fail';
    window.__isoloirSmoke = { done: true, ok: false, error: String(e && e.stack ? e.stack : e) };
  });
