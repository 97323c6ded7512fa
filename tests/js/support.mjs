// Shared helpers for the JS tests, the browser test and the benchmarks:
// where the vectors and the builds are, and the ballot reference hash.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const vectorsDir = path.resolve(process.env.ISOLOIR_VECTORS_DIR || path.join(repoDir, '..', 'shared', 'vectors'));
export const wasmBuildDir = path.resolve(process.env.ISOLOIR_WASM_BUILD || path.join(repoDir, 'build-wasm'));

// base64url(SHA-256(bytes)): a ballot's reference (strings hashed as UTF-8).
export function sha256b64url(bytes) {
  return crypto.createHash('sha256').update(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).digest('base64url');
}

export function readVector(name) {
  return JSON.parse(fs.readFileSync(path.join(vectorsDir, name), 'utf8'));
}

// Every file under the vectors directory, by path relative to it with '/'
// separators ("manifest.json", "record/ballots.jsonl", ...).
export function listVectorFiles(dir = vectorsDir, prefix = '') {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listVectorFiles(path.join(dir, entry.name), rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

// The manifest of manifest.json as canonical JSON text.
export function vectorsManifest() {
  const m = readVector('manifest.json');
  return m.manifest_canonical ?? JSON.stringify(m.manifest);
}

// A TCP port nobody listens on now on 127.0.0.1 (bound to 0, read back, closed).
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
