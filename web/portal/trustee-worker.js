// The trustee pages' module calls off the page's thread (a module Worker:
// new Worker('/portal/trustee-worker.js', {type: 'module'})): Argon2id at
// libsodium's moderate level takes a second or more per key file, and the
// decryption step verifies every ballot of the board, either of which would
// freeze the page. It runs the WebAssembly module
// /booth/wasm/isoloir_trustee.mjs (wasm/trustee_bindings.cpp) and answers
// each message {id, fn, args} with {id, result}, `result` being the module's
// own answer ({ok: true, ...} or {ok: false, error, reason, detail}), or
// {ok: false, error: 'module_failed'} if the module could not run.
//
// 'decrypt' takes (shareKeyFile, passphrase): the worker fetches the seven
// files the board serves after the close (/api/v1/record/), posting
// {id, event: 'fetching', file} and then {id, event: 'progress', done, total}
// as the ballots are checked, and hands them to the module's decrypt. A board
// that is not closed yet answers {ok: false, error: 'not_closed'}; a file that
// cannot be fetched {ok: false, error: 'fetch_failed', detail: '<file>: ...'}.
//
// The passphrase and the sealed key file come here by postMessage and live
// only in this worker's memory and the page's, as in the page itself.

const CALLS = new Set(['init', 'shares', 'finish', 'check', 'openKeyFile', 'decrypt']);
// close.json first: before the close it is the one that says so (409).
const BOARD_FILES = [
  ['close', 'close.json'],
  ['manifest', 'manifest.json'],
  ['trustees', 'trustees.json'],
  ['credentials', 'credentials.json'],
  ['ballots', 'ballots.jsonl'],
  ['tree_head', 'tree_head.json'],
  ['aggregates', 'aggregates.json'],
];
let modulePromise = null;

function trusteeModule() {
  if (!modulePromise) {
    modulePromise = import('/booth/wasm/isoloir_trustee.mjs').then((m) => m.default());
    modulePromise.catch(() => { modulePromise = null; });
  }
  return modulePromise;
}

function refusal(error, detail) {
  return { ok: false, error, reason: error, detail };
}

async function fetchBoardFile(id, name) {
  self.postMessage({ id, event: 'fetching', file: name });
  let res;
  try {
    res = await fetch(`/api/v1/record/${name}`, { cache: 'no-store', credentials: 'same-origin' });
  } catch (e) {
    throw refusal('fetch_failed', `${name}: ${(e && e.message) || e}`);
  }
  if (res.status === 409) throw refusal('not_closed', `${name}: HTTP 409`);
  if (!res.ok) throw refusal('fetch_failed', `${name}: HTTP ${res.status}`);
  // The exact bytes as UTF-8 text: the module hashes what it is given.
  return res.text();
}

async function decrypt(M, id, args) {
  const board = {};
  try {
    for (const [key, name] of BOARD_FILES) board[key] = await fetchBoardFile(id, name);
  } catch (e) {
    if (e && typeof e.error === 'string') return e;
    throw e;
  }
  const total = board.ballots.split('\n').filter((l) => l.trim()).length;
  self.postMessage({ id, event: 'progress', done: 0, total });
  return M.decrypt(board, ...args, (done, all) => self.postMessage({ id, event: 'progress', done, total: all }));
}

self.onmessage = async (event) => {
  const { id, fn, args } = event.data || {};
  let result;
  try {
    if (!CALLS.has(fn) || !Array.isArray(args)) throw new Error(`no such call: ${String(fn)}`);
    const M = await trusteeModule();
    result = fn === 'decrypt' ? await decrypt(M, id, args) : M[fn](...args);
  } catch (e) {
    result = { ok: false, error: 'module_failed', reason: 'module_failed', detail: String((e && e.message) || e) };
  }
  self.postMessage({ id, result });
};
