// Cross-checks between the wasm booth and the native command-line tool
// (build/isoloir, or $ISOLOIR_CLI): a ballot made by either verifies in the
// other with the same reference, and both agree on hashes, credentials and
// refusal reasons. Skipped when the CLI is not built, unless
// ISOLOIR_REQUIRE_CLI=1 (scripts/test.sh sets it when the CLI is part of the build).
import { describe, expect, test, afterAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBooth } from '../../web/booth/index.js';
import { readVector, repoDir, sha256b64url, vectorsManifest } from './support.mjs';

const cli = path.resolve(process.env.ISOLOIR_CLI || path.join(repoDir, 'build', 'isoloir'));
const haveCli = fs.existsSync(cli);
const required = process.env.ISOLOIR_REQUIRE_CLI === '1';

function run(...args) {
  const r = spawnSync(cli, args, { encoding: 'buffer', timeout: 60000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, out: r.stdout.toString('utf8').trim(), err: r.stderr.toString('utf8') };
}

if (!haveCli) {
  describe('native CLI cross-checks', () => {
    test(`the CLI ${cli} is built`, () => {
      if (required) throw new Error(`ISOLOIR_REQUIRE_CLI=1 but ${cli} does not exist`);
      console.warn(`cross.test.mjs: ${cli} not found, cross-checks skipped (set ISOLOIR_CLI)`);
    });
  });
} else {
  const booth = await loadBooth();
  const manifest = vectorsManifest();
  const manifestDoc = readVector('manifest.json');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-cross-'));
  const manifestFile = path.join(tmp, 'manifest.json');
  fs.writeFileSync(manifestFile, manifest);
  const code = readVector('vote_codes.json').codes[0].display;
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const writeBallot = (name, bytes) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, bytes);
    return file;
  };

  describe(`native CLI cross-checks (${cli})`, () => {
    test('manifest hash agrees with electionHash', () => {
      const r = run('manifest', 'hash', manifestFile);
      expect(r.status).toBe(0);
      expect(r.out).toBe(manifestDoc.election_hash);
      expect(booth.electionHash(manifest)).toBe(r.out);
    });

    test('a ballot created in wasm verifies with `isoloir ballot verify`', () => {
      const { ballot, reference } = booth.createBallot(manifest, 'capn-2d', ['fsu'], code);
      const r = run('ballot', 'verify', '--manifest', manifestFile, writeBallot('wasm-ballot.json', ballot));
      expect({ status: r.status, err: r.err }).toEqual({ status: 0, err: expect.any(String) });
      expect(r.out.split(/\s+/)).toContain(reference);
    });

    test('a ballot created by `isoloir ballot create` verifies in wasm', () => {
      const r = run('ballot', 'create', '--manifest', manifestFile, '--scrutin', 'capn-2d', '--choice', 'fsu', '--code', code);
      expect({ status: r.status, err: r.err }).toEqual({ status: 0, err: expect.any(String) });
      // canonical bytes on stdout (one trailing newline tolerated)
      let bytes = r.stdout;
      if (bytes.length && bytes[bytes.length - 1] === 0x0a) bytes = bytes.subarray(0, bytes.length - 1);
      const ballot = bytes.toString('utf8');
      const v = booth.verifyBallot(manifest, ballot);
      expect(v).toEqual({ ok: true, reference: sha256b64url(bytes) });
      const doc = JSON.parse(ballot);
      expect(doc.scrutin).toBe('capn-2d');
      expect(doc.credential).toBe(booth.credential(manifestDoc.manifest.id, code));
      // and the CLI agrees with itself
      const again = run('ballot', 'verify', '--manifest', manifestFile, writeBallot('cli-ballot.json', bytes));
      expect(again.status).toBe(0);
      expect(again.out.split(/\s+/)).toContain(v.reference);
    });

    test('multiple choices are passed comma-separated and refused by both for min = max = 1', () => {
      const r = run('ballot', 'create', '--manifest', manifestFile, '--scrutin', 'capn-2d', '--choice', 'fsu,blank', '--code', code);
      expect(r.status).not.toBe(0);
      expect(() => booth.createBallot(manifest, 'capn-2d', ['fsu', 'blank'], code)).toThrow(/wrong_choice_count/);
    });

    test('`isoloir code new` gives a code the wasm booth accepts', () => {
      const r = run('code', 'new');
      expect(r.status).toBe(0);
      expect(booth.displayCode(r.out)).toBe(booth.displayCode(booth.normalizeCode(r.out)));
      const c = run('code', 'credential', '--election', manifestDoc.manifest.id, r.out);
      expect(c.status).toBe(0);
      expect(c.out).toBe(booth.credential(manifestDoc.manifest.id, r.out));
    });

    test('`isoloir code credential` agrees with vote_codes.json and the wasm booth', () => {
      const v = readVector('vote_codes.json');
      for (const c of v.codes) {
        const r = run('code', 'credential', '--election', v.election_id, c.display);
        expect([c.code, r.status, r.out]).toEqual([c.code, 0, c.credential]);
        expect(booth.credential(v.election_id, c.display)).toBe(r.out);
      }
    });

    test('`isoloir receipt verify` and verifyReceipt agree on every receipt of receipts.json', () => {
      const v = readVector('receipts.json');
      const cases = [...v.deposits.map((c) => [c.name, c.deposit]), ...v.emargements.map((c) => [c.name, c.emargement])];
      for (const [name, text] of cases) {
        const r = run('receipt', 'verify', '--manifest', manifestFile, writeBallot(`${name}.receipt.json`, text));
        const wasm = booth.verifyReceipt(manifest, text);
        const cliReason = r.status === 0 ? null : `${r.out}\n${r.err}`.match(/refused: ([a-z0-9_]+)/)?.[1];
        expect([name, r.status, cliReason]).toEqual([name, wasm.ok ? 0 : 1, wasm.ok ? null : wasm.reason]);
      }
    });

    test('both refuse every ballot of ballots_invalid.json for the same reason', () => {
      const { ballots } = readVector('ballots_invalid.json');
      for (const b of ballots) {
        const r = run('ballot', 'verify', '--manifest', manifestFile, writeBallot(`${b.name}.json`, b.ballot));
        const wasm = booth.verifyBallot(manifest, b.ballot);
        expect([b.name, r.status, `${r.out}\n${r.err}`.match(/refused: ([a-z0-9_]+)/)?.[1]]).toEqual([b.name, 1, b.expected_reason]);
        expect([b.name, wasm.reason]).toEqual([b.name, b.expected_reason]);
      }
    });
  });
}
