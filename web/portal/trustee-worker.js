// The trustee page's rounds off the page's thread (a module Worker:
// new Worker('/portal/trustee-worker.js', {type: 'module'})): Argon2id at
// libsodium's moderate level takes a second or more per key file, which would
// freeze the page. It runs the WebAssembly module
// /booth/wasm/isoloir_trustee.mjs (wasm/trustee_bindings.cpp) and answers
// each message {id, fn, args} with {id, result}, `result` being the module's
// own answer ({ok: true, ...} or {ok: false, error, reason, detail}), or
// {ok: false, error: 'module_failed'} if the module could not run.
//
// The passphrase and the sealed key file come here by postMessage and live
// only in this worker's memory and the page's, as in the page itself.

const CALLS = new Set(['init', 'shares', 'finish', 'check', 'openKeyFile']);
let modulePromise = null;

function trusteeModule() {
  if (!modulePromise) {
    modulePromise = import('/booth/wasm/isoloir_trustee.mjs').then((m) => m.default());
    modulePromise.catch(() => { modulePromise = null; });
  }
  return modulePromise;
}

self.onmessage = async (event) => {
  const { id, fn, args } = event.data || {};
  let result;
  try {
    if (!CALLS.has(fn) || !Array.isArray(args)) throw new Error(`no such call: ${String(fn)}`);
    const M = await trusteeModule();
    result = M[fn](...args);
  } catch (e) {
    result = { ok: false, error: 'module_failed', reason: 'module_failed', detail: String((e && e.message) || e) };
  }
  self.postMessage({ id, result });
};
