// Ballot creation (and verification) with the wasm booth in Node, for a
// scrutin of the vectors' manifest. Prints one JSON line per measurement:
// {"env":"node","op":"create_ballot","scrutin":"capn-2d","options":15,"n":..,"mean_ms":..,"median_ms":..,"min_ms":..}
//
//   node bench/node_bench.mjs [N=50] [SCRUTIN=capn-2d]
// Needs the booth module in web/booth/wasm/ (built by the wasm build).
import { loadBooth } from '../web/booth/index.js';
import { benchBallots } from '../web/test/bench-core.js';
import { vectorsManifest } from '../tests/js/support.mjs';
const n = Number(process.argv[2] || 50);
const scrutin = process.argv[3] || 'capn-2d';

const manifest = vectorsManifest();
const t0 = performance.now();
const booth = await loadBooth();
const loadMs = performance.now() - t0;
const env = { env: 'node', node: process.versions.node };
console.log(JSON.stringify({ ...env, op: 'load_module', n: 1, mean_ms: Math.round(loadMs * 1000) / 1000 }));
for (const record of benchBallots(booth, manifest, scrutin, n)) console.log(JSON.stringify({ ...env, ...record }));
