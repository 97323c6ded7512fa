// The public board served by the real isoloir-server, checked with the
// booth's wasm module: every ballot's inclusion proof from
// GET /api/v1/board/ballots/{reference} goes into verifyInclusion as it is.
// The ballots are cast by a test-only program through the urn library
// (build/isoloir_board_fixture), since casting over HTTP needs the login
// slice. Skipped when the server is not built, unless ISOLOIR_REQUIRE_CLI=1
// (scripts/test.sh sets it when the native build is part of the run).
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBooth } from '../../web/booth/index.js';
import { freePort, repoDir, sha256b64url } from './support.mjs';

const buildDir = path.dirname(path.resolve(process.env.ISOLOIR_CLI || path.join(repoDir, 'build', 'isoloir')));
const server = path.join(buildDir, 'isoloir-server');
const fixture = path.join(buildDir, 'isoloir_board_fixture');
const built = fs.existsSync(server) && fs.existsSync(fixture);
const required = process.env.ISOLOIR_REQUIRE_CLI === '1';
const kBallots = 5;

if (!built) {
  describe('board over HTTP with the booth', () => {
    test(`${server} and ${fixture} are built`, () => {
      if (required) throw new Error(`ISOLOIR_REQUIRE_CLI=1 but ${server} or ${fixture} does not exist`);
      console.warn('board.test.mjs: server not built, skipped');
    });
  });
} else {
  describe('board over HTTP with the booth', () => {
    let tmp;
    let proc;
    let base;
    let references;
    let booth;

    beforeAll(async () => {
      booth = await loadBooth();
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-board-'));
      const data = path.join(tmp, 'data');
      const filled = spawnSync(fixture, [data, String(kBallots)], { encoding: 'utf8', timeout: 60000 });
      if (filled.status !== 0) throw new Error(`fixture failed: ${filled.stderr}`);
      references = filled.stdout.trim().split('\n');
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      proc = spawn(server, ['--data-dir', data, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      proc.stderr.on('data', (d) => { stderr += d; });
      for (let i = 0; ; i++) {
        try {
          await fetch(`${base}/api/v1/board/tree-head`);
          break;
        } catch (e) {
          if (i > 1200 || proc.exitCode !== null) throw new Error(`server did not start: ${stderr}`); // 30 s, whatever the load
          await new Promise((r) => setTimeout(r, 25));
        }
      }
    });

    afterAll(async () => {
      if (proc && proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    test('the manifest bytes hash to the election hash', async () => {
      const m = await fetch(`${base}/api/v1/board/manifest`);
      expect(m.status).toBe(200);
      expect(m.headers.get('content-type')).toBe('application/json');
      const bytes = await m.text();
      const e = await (await fetch(`${base}/api/v1/board/election`)).json();
      expect(sha256b64url(bytes)).toBe(e.election_hash);
      expect(booth.electionHash(bytes)).toBe(e.election_hash);
    });

    test('every ballot verifies with verifyInclusion, as served', async () => {
      const manifestJson = await (await fetch(`${base}/api/v1/board/manifest`)).text();
      for (const [i, reference] of references.entries()) {
        const r = await fetch(`${base}/api/v1/board/ballots/${reference}`);
        expect(r.status).toBe(200);
        const b = await r.json();
        expect(b.log_index).toBe(i);
        expect(sha256b64url(b.ballot)).toBe(reference);
        expect(booth.verifyBallot(manifestJson, b.ballot)).toEqual({ ok: true, reference });
        const query = { manifestJson, reference: b.reference, logIndex: b.log_index, treeHead: b.tree_head, path: b.path };
        expect(booth.verifyInclusion(query)).toEqual({ ok: true });
        // The same proof for another position, or with a path altered, is refused.
        expect(booth.verifyInclusion({ ...query, logIndex: (i + 1) % kBallots }).ok).toBe(false);
        if (b.path.length > 0) {
          const path2 = [...b.path];
          path2[0] = references[(i + 1) % kBallots];
          expect(booth.verifyInclusion({ ...query, path: path2 }).ok).toBe(false);
        }
      }
    });

    test('the latest tree head is the one inclusion proofs are against', async () => {
      const head = await (await fetch(`${base}/api/v1/board/tree-head`)).text();
      const b = await (await fetch(`${base}/api/v1/board/ballots/${references[0]}`)).json();
      expect(b.tree_head).toBe(head);
      expect(JSON.parse(head).size).toBe(kBallots);
    });
  });
}
