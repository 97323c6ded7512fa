// Casting through nginx against casting straight to the servers, side by
// side in one run (docs/benchmarks.md, "Through nginx"). Each round prepares
// an election in PostgreSQL (isoloir_urn_load --prepare), starts two
// isoloir-server processes on it, and loads them with isoloir_urn_load:
// either straight (--server 127.0.0.1:A,127.0.0.1:B) or through Debian's
// nginx with the deploy/ configuration (TLS from the client, keep-alive
// HTTP/1.1 to the servers, least_conn; 127.0.0.1 exempt from the
// per-address limits, as an académie's proxy would be). The two ways
// alternate, round after round, so that the machine's other load falls on
// both; the ratios are what to read. A figure, never a pass or a fail.
//
//   eval "$(bash scripts/pg.sh start)"
//   node bench/nginx_load.mjs            # VOTERS=1500 CLIENTS=32 ROUNDS=2 [RATE=250] [BUILD=build]
//   bash scripts/pg.sh stop
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { startNginx } from '../tests/browser/nginx.mjs';
import { freePort, repoDir } from '../tests/js/support.mjs';

const build = path.resolve(process.env.BUILD || path.join(repoDir, 'build'));
const voters = Number(process.env.VOTERS || 1500);
const clients = Number(process.env.CLIENTS || 32);
const rounds = Number(process.env.ROUNDS || 2);
const rate = process.env.RATE ? Number(process.env.RATE) : 0;
const load = path.join(build, 'isoloir_urn_load');
const server = path.join(build, 'isoloir-server');

if (!process.env.ISOLOIR_PG_URL) {
  console.error('nginx_load: needs ISOLOIR_PG_URL: eval "$(bash scripts/pg.sh start)" first');
  process.exit(2);
}
for (const f of [load, server]) {
  if (!fs.existsSync(f)) {
    console.error(`nginx_load: ${f} is missing: build the native tree first (BUILD=...)`);
    process.exit(2);
  }
}

const env = { ...process.env, ISOLOIR_URN_BACKEND: 'postgres' };

/** An election of `voters` voters in `dir`, served by PostgreSQL; its database's name. */
function prepare(dir) {
  const out = execFileSync(load, ['--prepare', dir, '--voters', String(voters)], { env, encoding: 'utf8' });
  const db = /PostgreSQL database (\S+)/.exec(out);
  if (!db) throw new Error(`--prepare printed no database:\n${out}`);
  return db[1];
}

/** A second data directory on the same election (server key and database copied) and its config. */
function secondConfig(dir) {
  const data2 = path.join(dir, 'data2');
  fs.mkdirSync(data2, { mode: 0o700 });
  for (const f of ['server.key', 'postgres.conninfo']) {
    fs.copyFileSync(path.join(dir, 'data', f), path.join(data2, f));
  }
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const first = { ...config, trust_proxy: true };
  const second = { ...config, trust_proxy: true, data_dir: data2 };
  fs.writeFileSync(path.join(dir, 'config1.json'), JSON.stringify(first));
  fs.writeFileSync(path.join(dir, 'config2.json'), JSON.stringify(second));
  return [path.join(dir, 'config1.json'), path.join(dir, 'config2.json')];
}

function answers(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/v1/board/manifest' }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

async function startServer(config, port) {
  const proc = spawn(server, ['--config', config, '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  for (let i = 0; !(await answers(port)); i++) {
    if (i > 400 || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`isoloir-server did not start on ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return proc;
}

async function stopServer(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const done = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await done;
}

function runLoad(servers, dir) {
  const args = ['--server', servers, '--prepared', dir, '--clients', String(clients), '--logins', '0'];
  if (rate > 0) args.push('--rate', String(rate));
  return new Promise((resolve, reject) => {
    const proc = spawn(load, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`isoloir_urn_load exited ${code}:\n${out}`))));
  });
}

function figure(out, label) {
  const m = new RegExp(`${label}\\s+([\\d.]+)`).exec(out);
  return m ? Number(m[1]) : NaN;
}

async function round(way) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `isoloir-nginx-load-${way}-`));
  const database = prepare(dir);
  const [c1, c2] = secondConfig(dir);
  const [p1, p2] = [await freePort(), await freePort()];
  const servers = [await startServer(c1, p1), await startServer(c2, p2)];
  let nginx;
  try {
    let target = `127.0.0.1:${p1},127.0.0.1:${p2}`;
    if (way === 'nginx') {
      nginx = await startNginx({ upstreams: [`127.0.0.1:${p1}`, `127.0.0.1:${p2}`], exempt: ['127.0.0.1/32'] });
      target = nginx.url;
    }
    const out = await runLoad(target, dir);
    return {
      way,
      rate: figure(out, 'casts per second'),
      p50: figure(out, 'latency p50'),
      p99: figure(out, 'latency p99'),
      failed: figure(out, 'failed casts'),
      board: /board size after\s+(\d+)/.exec(out)?.[1],
      head: /tree head\s+signature verified/.test(out),
    };
  } finally {
    if (nginx) await nginx.stop();
    for (const s of servers) await stopServer(s);
    execFileSync('psql', [process.env.ISOLOIR_PG_URL, '-q', '-c', `DROP DATABASE IF EXISTS ${database}`]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
console.log(`nginx_load: ${voters} voters, ${clients} connections${rate ? `, ${rate} casts/s offered` : ''}, ` +
  `${rounds} round(s) each way, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (let r = 0; r < rounds; r++) {
  for (const way of r % 2 === 0 ? ['direct', 'nginx'] : ['nginx', 'direct']) {
    const res = await round(way);
    results.push(res);
    console.log(`round ${r + 1} ${way.padEnd(6)} ${res.rate.toFixed(1)} casts/s, p50 ${res.p50} ms, ` +
      `p99 ${res.p99} ms, failed ${res.failed}, board ${res.board}, head verified ${res.head}`);
  }
}
const mean = (way, key) => {
  const v = results.filter((x) => x.way === way).map((x) => x[key]);
  return v.reduce((a, b) => a + b, 0) / v.length;
};
console.log(`nginx / direct: casts/s ${(mean('nginx', 'rate') / mean('direct', 'rate')).toFixed(2)}, ` +
  `p50 ${(mean('nginx', 'p50') / mean('direct', 'p50')).toFixed(2)}, p99 ${(mean('nginx', 'p99') / mean('direct', 'p99')).toFixed(2)}`);
