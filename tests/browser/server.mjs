// A tiny static file server on 127.0.0.1 for the browser test and benchmark:
// serves the repo's web/ folder at / and the protocol vectors at /vectors/,
// with the MIME types browsers insist on for modules and wasm, and the strict
// Content-Security-Policy the booth is meant to run under (no eval, no inline
// script, wasm compilation allowed).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { repoDir, vectorsDir } from '../js/support.mjs';

export { repoDir };

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.jsonl': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

export const DEFAULT_MOUNTS = Object.freeze({ '/vectors/': vectorsDir, '/': path.join(repoDir, 'web') });

// mounts: URL prefix -> directory. csp: the policy of every answer (the
// benchmark adds the hash of its page's import map to the booth's).
// Resolves to {url, close()}.
export function startServer({ mounts = DEFAULT_MOUNTS, csp = CSP } = {}) {
  const table = Object.entries(mounts).sort(([a], [b]) => b.length - a.length);
  const server = http.createServer((req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      return send(400, 'bad request');
    }
    const mount = table.find(([prefix]) => pathname.startsWith(prefix));
    if (!mount) return send(404, 'not found');
    const [prefix, dir] = mount;
    let file = path.resolve(dir, '.' + path.posix.normalize('/' + pathname.slice(prefix.length)));
    if (file !== dir && !file.startsWith(dir + path.sep)) return send(403, 'forbidden');
    fs.stat(file, (err, st) => {
      if (!err && st.isDirectory()) file = path.join(file, 'index.html');
      fs.readFile(file, (err2, data) => {
        if (err2) return send(404, 'not found');
        res.writeHead(200, {
          'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
          'Content-Length': data.length,
          'Cache-Control': 'no-store',
          'Content-Security-Policy': csp,
          'X-Content-Type-Options': 'nosniff',
        });
        res.end(req.method === 'HEAD' ? undefined : data);
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

// The Debian chromium, driven by playwright-core (no browser download).
export const CHROMIUM_PATH = process.env.ISOLOIR_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
