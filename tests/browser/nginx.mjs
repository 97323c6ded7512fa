// A real nginx (Debian's package) in front of isoloir-server for the browser
// tests, configured from deploy/nginx exactly as an operator would:
// deploy/nginx/render.sh writes the config into a temporary prefix, with a
// throw-away self-signed certificate (openssl) for 127.0.0.1 and test ports;
// a small main file stands in for Debian's /etc/nginx/nginx.conf (no
// root-owned paths, not a daemon), `nginx -t` checks it, then nginx runs in
// the foreground until stop().
//
//   const proxy = await startNginx({ upstreams: ['127.0.0.1:8081'] });
//   proxy.url         https://127.0.0.1:PORT (HTTP/2), proxy.httpUrl: http://...
//   proxy.cert        the certificate (PEM), to trust it in Node
//   proxy.accessLog() the access log's lines (deploy's `isoloir` format)
//   await proxy.stop()
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { freePort, repoDir } from '../js/support.mjs';

export const NGINX = process.env.ISOLOIR_NGINX || '/usr/sbin/nginx';
export const deployDir = path.join(repoDir, 'deploy');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr || r.error}`);
  return r;
}

/** A self-signed P-256 certificate for 127.0.0.1 in `dir`: {cert, key} paths. */
export function selfSignedCert(dir) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  return { cert, key };
}

/**
 * Renders deploy/nginx into `confDir` with render.sh; `args` are its options
 * after --out. Returns the rendered conf.d/isoloir.conf's text.
 */
export function renderDeployConfig(confDir, args) {
  run('bash', [path.join(deployDir, 'nginx', 'render.sh'), '--out', confDir, ...args]);
  return fs.readFileSync(path.join(confDir, 'conf.d', 'isoloir.conf'), 'utf8');
}

/**
 * The main file standing in for Debian's nginx.conf: its http-level settings
 * that the deploy config must hold its own against (TLSv1 and TLSv1.1
 * allowed, gzip on), and everything nginx writes under `prefix`.
 */
export function writeMainConfig(prefix, confDir) {
  for (const d of ['logs', 'tmp']) fs.mkdirSync(path.join(prefix, d), { recursive: true });
  // Run as root, nginx's workers switch to nobody: they must reach tmp/ to
  // buffer answers (the key stays 0600 root, read by the master only).
  fs.chmodSync(prefix, 0o711);
  fs.chmodSync(path.join(prefix, 'tmp'), 0o777);
  const tmp = path.join(prefix, 'tmp');
  const main = path.join(confDir, 'nginx.conf');
  fs.writeFileSync(main, `daemon off;
worker_processes 2;
pid ${path.join(prefix, 'nginx.pid')};
error_log ${path.join(prefix, 'logs', 'error.log')} info;
events { worker_connections 2048; }
http {
    sendfile on;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    gzip on;
    access_log ${path.join(prefix, 'logs', 'access.log')};
    client_body_temp_path ${tmp}/body;
    proxy_temp_path ${tmp}/proxy;
    fastcgi_temp_path ${tmp}/fastcgi;
    uwsgi_temp_path ${tmp}/uwsgi;
    scgi_temp_path ${tmp}/scgi;
    include conf.d/isoloir.conf;
}
`);
  return main;
}

/** `nginx -t` on a main file: throws with nginx's words if it fails. */
export function nginxTest(prefix, main) {
  return run(NGINX, ['-t', '-p', prefix, '-c', main]).stderr;
}

/** An HTTP/2 GET or POST through TLS: {status, headers, body (Buffer)}. */
export function h2request(url, { method = 'GET', headers = {}, body, ca, localAddress } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const session = http2.connect(u.origin, { ca, localAddress });
    session.on('error', reject);
    const req = session.request({ ':method': method, ':path': u.pathname + u.search, ...headers });
    const chunks = [];
    let head;
    req.on('response', (h) => { head = h; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      session.close();
      const { ':status': status, ...rest } = head;
      resolve({ status, headers: rest, body: Buffer.concat(chunks) });
    });
    req.on('error', (e) => { session.destroy(); reject(e); });
    req.end(body);
  });
}

/**
 * Starts nginx with the deploy config in front of `upstreams` (HOST:PORT of
 * each isoloir-server). Options: httpsPort, httpPort (default free ports),
 * exempt (addresses spared the per-address limits, "127.0.0.1/32").
 */
export async function startNginx({ upstreams, httpsPort, httpPort, exempt = [] } = {}) {
  if (!fs.existsSync(NGINX)) throw new Error(`${NGINX} is missing: bash scripts/setup.sh installs Debian's nginx`);
  httpsPort = httpsPort || await freePort();
  httpPort = httpPort || await freePort();
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-nginx-'));
  const confDir = path.join(prefix, 'conf');
  const { cert, key } = selfSignedCert(prefix);
  const rendered = renderDeployConfig(confDir, ['--server-name', '127.0.0.1', '--cert', cert, '--key', key,
    '--listen', '127.0.0.1', '--https-port', String(httpsPort), '--http-port', String(httpPort),
    '--log-dir', path.join(prefix, 'logs'), ...upstreams.flatMap((u) => ['--upstream', u])]);
  // Addresses exempt from the per-address limits ("ADDRESS/PREFIX"), as an
  // operator lists an académie's proxy (deploy/nginx/isoloir-exempt.conf).
  if (exempt.length > 0) {
    fs.appendFileSync(path.join(confDir, 'isoloir-exempt.conf'), exempt.map((a) => `${a} 1;\n`).join(''));
  }
  const main = writeMainConfig(prefix, confDir);
  nginxTest(prefix, main);

  const url = `https://127.0.0.1:${httpsPort}`;
  const ca = fs.readFileSync(cert);
  const proc = spawn(NGINX, ['-p', prefix, '-c', main], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  for (let i = 0; ; i++) {
    try {
      await h2request(`${url}/.nginx-ready`, { ca });
      break;
    } catch {
      if (i > 400 || proc.exitCode !== null) {
        proc.kill('SIGKILL');
        throw new Error(`nginx did not start: ${stderr}\n${fs.readFileSync(path.join(prefix, 'logs', 'error.log'), 'utf8')}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  const accessLogFile = path.join(prefix, 'logs', 'isoloir-access.log');
  const accessLog = () => (fs.existsSync(accessLogFile) ? fs.readFileSync(accessLogFile, 'utf8').split('\n').filter(Boolean) : []);
  // nginx logs a request just after answering it: the probe's line can land
  // after the caller's first look at the log. Waits for it, so that every
  // line after the ones there now is the caller's.
  for (let i = 0; i < 400 && !accessLog().some((l) => l.includes('"GET /.nginx-ready"')); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    url, httpUrl: `http://127.0.0.1:${httpPort}`, prefix, confDir, main, rendered, cert: ca, certFile: cert, keyFile: key,
    accessLog,
    errorLog: () => fs.readFileSync(path.join(prefix, 'logs', 'isoloir-error.log'), 'utf8'),
    /** SIGQUIT (graceful), waits for the exit, removes the prefix. */
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGQUIT');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
        await done;
        clearTimeout(timer);
      }
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}
