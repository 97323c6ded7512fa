// A small HTTP server for the browser specs that play the board's side
// themselves (results.spec.mjs, decrypt.spec.mjs): the portal's pages from the
// repo's web/ under the real server's page policy, and an `api` handler of the
// spec's own for everything under /api/. Also the console filter those specs
// share: the browser's "Failed to load resource" lines for answers a spec
// provokes are expected, every other error is not.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { repoDir } from '../js/support.mjs';

// isoloir-server's policy for its pages (server/src/http/http_web.cpp, kPageCsp).
export const PAGE_CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'";

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml',
};

/**
 * Starts the server on a free loopback port: {url, close()}. `pages`: the page
 * paths that answer the portal's shell (besides "/"). `api(pathname, send,
 * refuse, req)` answers every GET under /api/ and returns true when it did;
 * `send(status, body, type)` writes an answer with the page headers,
 * `refuse(status, error)` a JSON refusal; both return true.
 */
export function startPageServer({ pages, api }) {
  const webDir = path.join(repoDir, 'web');
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url, 'http://localhost').pathname;
    const send = (status, body, type) => {
      res.writeHead(status, { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': PAGE_CSP, 'Content-Type': type });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    };
    const refuse = (status, error) => send(status, JSON.stringify({ error, detail: '' }), 'application/json');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'method_not_allowed');
    if (pathname.startsWith('/api/')) {
      if (!api(pathname, send, refuse, req)) refuse(404, 'not_found');
      return undefined;
    }
    // Page paths answer the shell; files come from web/portal and web/booth.
    let file;
    if (pathname === '/' || pages.includes(pathname)) file = path.join(webDir, 'portal', 'index.html');
    else if (/^\/(portal|booth)\//.test(pathname)) file = path.resolve(webDir, '.' + path.posix.normalize(pathname));
    if (!file || !file.startsWith(webDir + path.sep) || !MIME[path.extname(file)]) return refuse(404, 'not_found');
    fs.readFile(file, (err, data) => (err ? refuse(404, 'not_found') : send(200, data, MIME[path.extname(file)])));
    return undefined;
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => server.close(r)),
  })));
}

/**
 * The console errors of `errors` ({text, url}) that are not a failed load the
 * spec provoked: `expected` is a list of [status, pathname regexp].
 */
export function unexpectedConsoleErrors(errors, expected) {
  return errors.filter(({ text, url }) => {
    const m = text.match(/^Failed to load resource: the server responded with a status of (\d+)/);
    if (!m) return true;
    let p = '';
    try {
      p = new URL(url).pathname;
    } catch {
      return true;
    }
    return !expected.some(([status, re]) => String(status) === m[1] && re.test(p));
  });
}

/**
 * Collects into `errors` ({where, text, url}) what `page` logs as an error or
 * a CSP refusal and its uncaught exceptions; `where()` names the step. The
 * context reports CSP violations as console errors too (in the page and its
 * workers).
 */
export async function watchConsole(context, page, errors, where) {
  page.on('console', (m) => {
    if (m.type() !== 'error' && !/Content Security Policy|Refused to/i.test(m.text())) return;
    errors.push({ where: where(), text: m.text(), url: m.location().url || '' });
  });
  page.on('pageerror', (e) => errors.push({ where: where(), text: `pageerror: ${e}`, url: '' }));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
}
