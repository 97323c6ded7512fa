// The results page's verification of the whole election record, off the
// page's thread (a module Worker: new Worker('/portal/verify-worker.js',
// {type: 'module'})). It fetches the record's seven files from the board,
// hands them to the record verifier (the WebAssembly module
// /booth/wasm/isoloir_verifier.mjs, built from the same C++ core as the
// server) and posts what happens:
//
//   {type: 'fetching', file}                    a file being downloaded
//   {type: 'progress', done, total}             ballots checked so far
//   {type: 'result', result}                    verifyRecord's answer:
//       {ok: true, election_hash, ballots, voters, results: [{scrutin, ballots, counts: [{option, count}]}]}
//     | {ok: false, reason, detail}
//
// A file that cannot be fetched is a result too: {ok: false, reason:
// 'fetch_failed', detail: '<file>: HTTP <status>'}. The page starts it with
// any message ({base: ''}: the API's origin, the page's own by default).

const RECORD_FILES = [
  ['manifest', 'manifest.json'],
  ['trustees', 'trustees.json'],
  ['credentials', 'credentials.json'],
  ['ballots', 'ballots.jsonl'],
  ['tree_head', 'tree_head.json'],
  ['tally', 'tally.json'],
  ['results', 'results.json'],
];

let running = false;

async function fetchFile(base, name) {
  postMessage({ type: 'fetching', file: name });
  let res;
  try {
    res = await fetch(`${base}/api/v1/record/${name}`, { cache: 'no-store', credentials: 'same-origin' });
  } catch (e) {
    throw { reason: 'fetch_failed', detail: `${name}: ${(e && e.message) || e}` };
  }
  if (!res.ok) throw { reason: 'fetch_failed', detail: `${name}: HTTP ${res.status}` };
  // The exact bytes as UTF-8 text: the verifier hashes what it is given.
  return res.text();
}

async function run(base) {
  let createIsoloirVerifier;
  try {
    ({ default: createIsoloirVerifier } = await import('/booth/wasm/isoloir_verifier.mjs'));
  } catch (e) {
    return { ok: false, reason: 'verifier_unavailable', detail: String((e && e.message) || e) };
  }
  const [verifier, texts] = await Promise.all([
    createIsoloirVerifier(),
    (async () => {
      const out = {};
      // One at a time: the page shows which one is coming.
      for (const [key, name] of RECORD_FILES) out[key] = await fetchFile(base, name);
      return out;
    })(),
  ]);
  postMessage({ type: 'progress', done: 0, total: texts.ballots.split('\n').filter((l) => l.trim()).length });
  return verifier.verifyRecord(texts, (done, total) => postMessage({ type: 'progress', done, total }));
}

addEventListener('message', async (event) => {
  if (running) return;
  running = true;
  const base = event.data && typeof event.data.base === 'string' ? event.data.base : '';
  let result;
  try {
    result = await run(base);
  } catch (e) {
    result = e && typeof e.reason === 'string' ? { ok: false, reason: e.reason, detail: e.detail || '' }
      : { ok: false, reason: 'verifier_failed', detail: String((e && e.message) || e) };
  }
  postMessage({ type: 'result', result });
  running = false;
});
