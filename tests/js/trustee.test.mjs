// The trustee page's wasm module (isoloir_trustee, wasm/trustee_bindings.cpp)
// against the native command-line tool (build/isoloir, or $ISOLOIR_CLI): the
// same rounds, the same files. A 2-of-3 ceremony with trustees 1 and 2 in
// wasm and trustee 3 with the CLI; a ceremony key file made in wasm opens
// with `isoloir trustee finish` (same verification key as wasm's), one made
// by the CLI opens in wasm; a bad share is named; errors come back as values.
// The CLI parts are skipped when it is not built, unless ISOLOIR_REQUIRE_CLI=1.
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoDir, wasmBuildDir } from './support.mjs';

const cli = path.resolve(process.env.ISOLOIR_CLI || path.join(repoDir, 'build', 'isoloir'));
const haveCli = fs.existsSync(cli);
const required = process.env.ISOLOIR_REQUIRE_CLI === '1';
const modulePath = [path.join(wasmBuildDir, 'isoloir_trustee.mjs'), path.join(repoDir, 'web', 'booth', 'wasm', 'isoloir_trustee.mjs')]
  .find((p) => fs.existsSync(p));

const { default: createIsoloirTrustee } = await import(pathToFileURL(modulePath).href);
const M = await createIsoloirTrustee();
const E = 'election-test';
const PASS = ['wasm passphrase one', 'wasm passphrase two', 'cli passphrase three'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-trustee-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args, input) {
  const r = spawnSync(cli, args, { encoding: 'utf8', input, timeout: 60000 });
  if (r.error) throw r.error;
  return r;
}

function write(name, text) {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
}

describe('trustee module alone', () => {
  test('errors are values, never thrown', () => {
    expect(M.init(E, 0, 3, 2, 'A', 'p', 'interactive')).toMatchObject({ ok: false, error: 'bad_argument' });
    expect(M.init(E, 1, 3, 2, 'A', 'p', 'fast')).toMatchObject({ ok: false, error: 'usage' });
    expect(M.init(E, 1, 3, 2, 'A', '', 'interactive')).toMatchObject({ ok: false, error: 'usage' });
    expect(M.shares('{}', 'p', 'not an array')).toMatchObject({ ok: false, error: 'bad_argument' });
    expect(M.shares('not json', 'p', [])).toMatchObject({ ok: false });
    expect(M.check(['{"kind":"trustee-commitment"}'])).toMatchObject({ ok: false });
  });

  test('a bad proof and a bad share name their trustee; a wrong passphrase is bad_passphrase', () => {
    const r = [1, 2, 3].map((i) => M.init(E, i, 3, 2, `T${i}`, PASS[0], 'interactive'));
    r.forEach((x) => expect(x.ok).toBe(true));
    const commitments = r.map((x) => x.commitment);
    expect(M.openKeyFile(r[0].keyFile, 'wrong')).toMatchObject({ ok: false, error: 'bad_passphrase' });
    expect(M.openKeyFile(r[0].keyFile, PASS[0])).toMatchObject({ ok: true, stage: 'ceremony', index: 1, electionId: E });

    const forged = JSON.parse(commitments[1]);
    forged.pok = JSON.parse(commitments[2]).pok;
    const bad = M.check([commitments[0], JSON.stringify(forged), commitments[2]]);
    expect(bad).toMatchObject({ ok: false, error: 'bad_pok' });
    expect(bad.detail).toMatch(/^trustee 2 \(T2\)/);
    expect(M.shares(r[0].keyFile, PASS[0], [commitments[0], JSON.stringify(forged), commitments[2]]))
      .toMatchObject({ ok: false, error: 'bad_pok' });

    const shares = r.map((x) => M.shares(x.keyFile, PASS[0], commitments));
    shares.forEach((x) => expect(x.ok).toBe(true));
    // Trustee 3 seals to trustee 1 the share meant for trustee 2.
    const s3 = JSON.parse(shares[2].shares);
    [s3.shares[0].sealed, s3.shares[1].sealed] = [s3.shares[1].sealed, s3.shares[0].sealed];
    const f = M.finish(r[0].keyFile, PASS[0], commitments, [shares[1].shares, JSON.stringify(s3)], 'interactive');
    expect(f.ok).toBe(false);
    expect(['bad_sealed_share', 'bad_share']).toContain(f.error);
    expect(f.detail).toMatch(/^trustee 3 \(T3\)/);
  });

  test('a share key file made in wasm opens back with its verification key', () => {
    const r = [1, 2].map((i) => M.init(E, i, 2, 2, `T${i}`, PASS[i - 1], 'interactive'));
    const c = r.map((x) => x.commitment);
    const s = r.map((x, i) => M.shares(x.keyFile, PASS[i], c).shares);
    const f = M.finish(r[0].keyFile, PASS[0], c, s, 'interactive');
    expect(f.ok).toBe(true);
    const vk = JSON.parse(f.verificationKey);
    expect(M.openKeyFile(f.shareKeyFile, PASS[0])).toMatchObject({ ok: true, stage: 'share', index: 1,
      verificationKey: vk.verification_key });
  });
});

if (!haveCli) {
  describe('trustee module and the CLI', () => {
    test(`the CLI ${cli} is built`, () => {
      if (required) throw new Error(`ISOLOIR_REQUIRE_CLI=1 but ${cli} does not exist`);
      console.warn(`trustee.test.mjs: ${cli} not found, cross-checks skipped`);
    });
  });
} else {
  describe('trustee module and the CLI', () => {
    test('2-of-3: trustees 1-2 in wasm, 3 with the CLI; key files open on the other side', () => {
      const w = [1, 2].map((i) => M.init(E, i, 3, 2, `T${i}`, PASS[i - 1], 'interactive'));
      w.forEach((x) => expect(x.ok).toBe(true));
      const key3 = path.join(tmp, 'ceremony-3.key');
      const c3 = path.join(tmp, 'commitment-3.json');
      const init3 = run(['trustee', 'init', '--election-id', E, '--index', '3', '--trustees', '3', '--threshold', '2',
        '--name', 'T3', '--key-file', key3, '--out', c3, '--kdf', 'interactive'], `${PASS[2]}\n`);
      expect(init3.status).toBe(0);
      const commitments = [w[0].commitment, w[1].commitment, fs.readFileSync(c3, 'utf8')];
      const cFiles = [write('commitment-1.json', commitments[0]), write('commitment-2.json', commitments[1]), c3];

      // The CLI-made key file in wasm.
      const k3 = fs.readFileSync(key3, 'utf8');
      expect(M.openKeyFile(k3, PASS[2])).toMatchObject({ ok: true, stage: 'ceremony', index: 3 });
      const s3wasm = M.shares(k3, PASS[2], commitments);
      expect(s3wasm.ok).toBe(true);

      const s1 = M.shares(w[0].keyFile, PASS[0], commitments).shares;
      const s2 = M.shares(w[1].keyFile, PASS[1], commitments).shares;
      const sh3 = path.join(tmp, 'shares-3.json');
      expect(run(['trustee', 'shares', '--key-file', key3, '--out', sh3, ...cFiles], `${PASS[2]}\n`).status).toBe(0);
      const sharesDocs = [s1, s2, fs.readFileSync(sh3, 'utf8')];
      const sFiles = [write('shares-1.json', s1), write('shares-2.json', s2), sh3];

      // Trustee 1 finishes in wasm; its wasm-made ceremony key file, given to
      // the CLI, gives the same verification key.
      const f1 = M.finish(w[0].keyFile, PASS[0], commitments, sharesDocs, 'interactive');
      expect(f1.ok).toBe(true);
      const k1 = write('ceremony-1.key', w[0].keyFile);
      const vk1 = path.join(tmp, 'vk-1-cli.json');
      const fin = run(['trustee', 'finish', '--key-file', k1, '--share-key-file', path.join(tmp, 'share-1-cli.key'),
        '--out', vk1, '--kdf', 'interactive', ...cFiles, ...sFiles], `${PASS[0]}\n`);
      expect(fin.stderr).toBe('');
      expect(fin.status).toBe(0);
      expect(fs.readFileSync(vk1, 'utf8')).toBe(f1.verificationKey);
      // The CLI's share key file opens in wasm with the same key.
      expect(M.openKeyFile(fs.readFileSync(path.join(tmp, 'share-1-cli.key'), 'utf8'), PASS[0]))
        .toMatchObject({ ok: true, stage: 'share', index: 1, verificationKey: JSON.parse(f1.verificationKey).verification_key });

      // The wasm-made share key file, with the CLI's other documents,
      // combines into trustees.json.
      const f2 = M.finish(w[1].keyFile, PASS[1], commitments, sharesDocs, 'interactive');
      const vk3 = path.join(tmp, 'vk-3.json');
      expect(run(['trustee', 'finish', '--key-file', key3, '--share-key-file', path.join(tmp, 'share-3.key'), '--out', vk3,
        '--kdf', 'interactive', ...cFiles, ...sFiles], `${PASS[2]}\n`).status).toBe(0);
      const out = path.join(tmp, 'trustees.json');
      const comb = run(['trustees', 'combine', '--out', out, ...cFiles, ...sFiles, write('vk-1.json', f1.verificationKey),
        write('vk-2.json', f2.verificationKey), vk3]);
      expect(comb.stderr).toBe('');
      expect(comb.stdout).toMatch(/^public_key: [A-Za-z0-9_-]{43}\nthreshold: 2 of 3\n/);
    });
  });
}
