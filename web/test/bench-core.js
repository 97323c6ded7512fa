// Timing loop shared by bench/node_bench.mjs and bench/chromium_bench.mjs
// (the latter imports it inside the page): the same code measures Node and
// the browser. Figures only, never pass/fail.
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const round = (x) => Math.round(x * 1000) / 1000;
  return {
    n: samples.length,
    mean_ms: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    median_ms: round(median),
    min_ms: round(sorted[0]),
  };
}

// Creates n ballots (after `warmup` unmeasured ones) for scrutinId marking its
// first option, then verifies each; returns one record per operation.
export function benchBallots(booth, manifestJson, scrutinId, n, warmup = 3) {
  const manifest = JSON.parse(manifestJson);
  const scrutin = manifest.scrutins.find((s) => s.id === scrutinId);
  if (!scrutin) throw new Error(`no scrutin ${scrutinId}`);
  const code = booth.newCode();
  const choice = [scrutin.options[0].id];
  for (let i = 0; i < warmup; i++) booth.verifyBallot(manifestJson, booth.createBallot(manifestJson, scrutinId, choice, code).ballot);
  const created = [];
  const create = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    created.push(booth.createBallot(manifestJson, scrutinId, choice, code).ballot);
    create.push(performance.now() - t0);
  }
  const verify = [];
  for (const ballot of created) {
    const t0 = performance.now();
    const r = booth.verifyBallot(manifestJson, ballot);
    verify.push(performance.now() - t0);
    if (!r.ok) throw new Error(`created ballot refused: ${r.reason} ${r.detail}`);
  }
  const base = { scrutin: scrutinId, options: scrutin.options.length };
  return [
    { op: 'create_ballot', ...base, ...summarize(create) },
    { op: 'verify_ballot', ...base, ...summarize(verify) },
  ];
}
