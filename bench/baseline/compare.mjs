// The page side of bench/chromium_bench.mjs (served at /baseline/, imported
// into bench.html): loads the booth and the two baselines, then times ballot
// creation and verification for all three in one loop, taking turns, so that
// whatever else runs on the machine weighs on each alike. Figures only.
import { summarize } from '/test/bench-core.js';

// Paths fetched since `seen` was taken (resource timing): what a load brought in.
function newResources(seen) {
  const paths = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname);
  return paths.filter((p) => !seen.has(p) && seen.add(p));
}

/**
 * Imports each implementation cold (the server sends no-store) and notes its
 * load time and the files it fetched. The baselines' shared protocol layer
 * is fetched first, on its own, so that neither is charged for it.
 */
export async function loadAll() {
  const seen = new Set(performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
  await import('./protocol.mjs');
  const shared = newResources(seen);
  const loaders = [
    ['booth', async () => (await import('/booth/index.js')).loadBooth()],
    ['libsodium.js', async () => (await import('./sodium.mjs')).loadSodiumBaseline()],
    ['noble-curves', async () => (await import('./noble.mjs')).loadNobleBaseline()],
  ];
  const loaded = [];
  for (const [name, load] of loaders) {
    const t0 = performance.now();
    const api = await load();
    const loadMs = performance.now() - t0;
    loaded.push({ name, api, loadMs, files: newResources(seen) });
  }
  return { shared, loaded };
}

// One booth-shaped interface over the booth and the baselines.
function contender({ name, api }, manifest, scrutinId, choice, code) {
  return {
    name,
    create: () => api.createBallot(manifest, scrutinId, choice, code).ballot,
    verify: (ballot) => api.verifyBallot(manifest, ballot),
  };
}

function mustAccept(who, r, whose) {
  if (!r.ok) throw new Error(`${who} refused a ballot of ${whose}: ${r.reason} ${r.detail}`);
}

// Before timing anything: every contender accepts every other's ballot, so
// the loop below times one protocol, not three. Returns how long each took
// to make its first ballot (its tables built, its code not yet optimised):
// with the load, what a voter's first ballot on a fresh page costs.
function crossCheck(contenders) {
  const first = new Map();
  const ballots = contenders.map((c) => {
    const t0 = performance.now();
    const ballot = c.create();
    first.set(c.name, performance.now() - t0);
    return [c.name, ballot];
  });
  for (const c of contenders) for (const [whose, ballot] of ballots) mustAccept(c.name, c.verify(ballot), whose);
  return first;
}

/**
 * n rounds; in each, every contender creates one ballot for the scrutin's
 * first option and verifies it. The order turns by one each round, so no
 * contender always runs just after another (or after the garbage the
 * previous one left). `warmup` unmeasured rounds first, for the JITs.
 */
export function compareBallots(loaded, manifest, scrutinId, n, warmup = 5) {
  const scrutin = JSON.parse(manifest).scrutins.find((s) => s.id === scrutinId);
  if (!scrutin) throw new Error(`no scrutin ${scrutinId}`);
  const booth = loaded.find((l) => l.name === 'booth').api;
  const code = booth.newCode();
  const contenders = loaded.map((l) => contender(l, manifest, scrutinId, [scrutin.options[0].id], code));
  const first = crossCheck(contenders);
  const samples = new Map(contenders.map((c) => [c.name, { create: [], verify: [] }]));
  for (let round = -warmup; round < n; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(Math.max(round, 0) + k) % contenders.length];
      const t0 = performance.now();
      const ballot = c.create();
      const t1 = performance.now();
      const r = c.verify(ballot);
      const t2 = performance.now();
      mustAccept(c.name, r, 'its own');
      if (round >= 0) {
        samples.get(c.name).create.push(t1 - t0);
        samples.get(c.name).verify.push(t2 - t1);
      }
    }
  }
  const base = { scrutin: scrutinId, options: scrutin.options.length };
  return contenders.map((c) => ({
    impl: c.name,
    firstCreateMs: first.get(c.name),
    create: { op: 'create_ballot', ...base, ...summarize(samples.get(c.name).create) },
    verify: { op: 'verify_ballot', ...base, ...summarize(samples.get(c.name).verify) },
  }));
}
