// The decryption step of the trustee page (/depouillement) in its
// WebAssembly module (isoloir_trustee's decrypt, wasm/trustee_bindings.cpp)
// against the native tools: a synthetic closed board with its trustees' share
// key files (isoloir-synth-record --share-keys), trustees 1 and 3 decrypting in
// wasm, `isoloir tally combine` counting from their files to the generator's
// results and `isoloir record verify` accepting the record; the wasm partials
// carry the same d values as the CLI's `trustee decrypt`; a board whose
// aggregates lie, a ballot altered, another election's close, a wrong
// passphrase, the ceremony key instead of the share key and another
// election's key are refused for their cause, and nothing throws.
// Needs the native build (build/isoloir, build/isoloir-synth-record): skipped
// without it unless ISOLOIR_REQUIRE_CLI=1.
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoDir, wasmBuildDir } from './support.mjs';

const buildDir = path.join(repoDir, 'build');
const cli = path.resolve(process.env.ISOLOIR_CLI || path.join(buildDir, 'isoloir'));
const synth = path.join(path.dirname(cli), 'isoloir-synth-record');
const haveTools = fs.existsSync(cli) && fs.existsSync(synth);
const required = process.env.ISOLOIR_REQUIRE_CLI === '1';
const modulePath = [path.join(wasmBuildDir, 'isoloir_trustee.mjs'), path.join(repoDir, 'web', 'booth', 'wasm', 'isoloir_trustee.mjs')]
  .find((p) => fs.existsSync(p));
const { default: createIsoloirTrustee } = await import(pathToFileURL(modulePath).href);
const M = await createIsoloirTrustee();

const PASS = 'synthetic share passphrase';
const BOARD = {
  manifest: 'manifest.json', trustees: 'trustees.json', credentials: 'credentials.json', ballots: 'ballots.jsonl',
  tree_head: 'tree_head.json', close: 'close.json', aggregates: 'aggregates.json',
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-decrypt-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 120000 });
  if (r.error) throw r.error;
  return r;
}

function makeBoard(name, seed) {
  const dir = path.join(tmp, name);
  const r = run(synth, ['--out', dir, '--voters', '10', '--scrutins', '2', '--options', '4', '--seed', String(seed),
    '--threads', '1', '--share-keys', PASS]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const files = Object.fromEntries(Object.entries(BOARD)
    .map(([key, file]) => [key, fs.readFileSync(path.join(dir, file), 'utf8')]));
  const share = (j) => fs.readFileSync(path.join(dir, `share-${j}.key`), 'utf8');
  return { dir, files, share };
}

// {scrutin: [d, ...]} of a partials file.
function dValues(text) {
  return Object.fromEntries(JSON.parse(text).scrutins.map((s) => [s.id, s.options.map((o) => o.d)]));
}

const maybe = haveTools || required ? describe : describe.skip;

maybe('decrypt in wasm, counted by the native tools', () => {
  const board = haveTools ? makeBoard('board', 11) : null;
  const other = haveTools ? makeBoard('other', 12) : null;

  test('trustees 1 and 3 decrypt in wasm; tally combine counts the generator\'s results; record verify accepts', () => {
    const lines = board.files.ballots.split('\n').filter((l) => l.trim()).length;
    const progress = [];
    const one = M.decrypt(board.files, board.share(1), PASS, (done, total) => progress.push([done, total]));
    expect(one).toMatchObject({ ok: true, trustee: 1, electionId: 'synthetique-11', ballots: lines });
    expect(one.electionHash).toBe(JSON.parse(board.files.tree_head).election);
    expect(progress.at(-1)).toEqual([lines, lines]);
    const three = M.decrypt(board.files, board.share(3), PASS);
    expect(three).toMatchObject({ ok: true, trustee: 3 });
    expect(JSON.parse(three.partials)).toMatchObject({ kind: 'partials', trustee: 3 });

    const p1 = path.join(tmp, 'partials-1.json');
    const p3 = path.join(tmp, 'partials-3.json');
    fs.writeFileSync(p1, one.partials);
    fs.writeFileSync(p3, three.partials);
    const record = path.join(tmp, 'record');
    const combined = run(cli, ['tally', 'combine', '--board', board.dir, '--out', record, p1, p3]);
    expect(combined.stderr).toBe('');
    expect(combined.status).toBe(0);
    expect(combined.stdout).toMatch(/trustees: 1, 3/);
    expect(fs.readFileSync(path.join(record, 'results.json'), 'utf8'))
      .toBe(fs.readFileSync(path.join(board.dir, 'results.json'), 'utf8'));
    const verified = run(cli, ['record', 'verify', record]);
    expect(verified.status).toBe(0);
  });

  test('the same d values as `isoloir trustee decrypt`', () => {
    const out = path.join(tmp, 'cli-partials-2.json');
    const r = run(cli, ['trustee', 'decrypt', '--share-key-file', path.join(board.dir, 'share-2.key'), '--board', board.dir,
      '--out', out], `${PASS}\n`);
    expect(r.status).toBe(0);
    const wasm = M.decrypt(board.files, board.share(2), PASS);
    expect(wasm.ok).toBe(true);
    expect(dValues(wasm.partials)).toEqual(dValues(fs.readFileSync(out, 'utf8')));
  });

  test('aggregates that are not the ballots: aggregates_differ naming the scrutin and option, nothing decrypted', () => {
    const doc = JSON.parse(board.files.aggregates);
    const opts = doc.scrutins[1].options;
    [opts[0].alpha, opts[1].alpha] = [opts[1].alpha, opts[0].alpha];
    [opts[0].beta, opts[1].beta] = [opts[1].beta, opts[0].beta];
    const r = M.decrypt({ ...board.files, aggregates: JSON.stringify(doc) }, board.share(1), PASS);
    expect(r).toMatchObject({ ok: false, error: 'aggregates_differ' });
    expect(r.detail).toMatch(new RegExp(`${doc.scrutins[1].id} option ${opts[0].id}`));
    expect(r.partials).toBeUndefined();
    expect(r.where).toBeUndefined();
  });

  test('a ballot altered is refused naming ballots.jsonl and its line', () => {
    const lines = board.files.ballots.split('\n');
    const line = JSON.parse(lines[2]);
    const alpha = line.ballot.answers[0].alpha;
    line.ballot.answers[0].alpha = (alpha[0] === 'A' ? 'B' : 'A') + alpha.slice(1);
    lines[2] = JSON.stringify(line);
    const r = M.decrypt({ ...board.files, ballots: lines.join('\n') }, board.share(1), PASS);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^ballots\.jsonl line 3\b/);
  });

  test("another election's close is refused", () => {
    const r = M.decrypt({ ...board.files, close: other.files.close }, board.share(1), PASS);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/close\.json/);
  });

  test('key file refusals say where: a wrong passphrase, the ceremony key, another election', () => {
    expect(M.decrypt(board.files, board.share(1), 'not the passphrase'))
      .toMatchObject({ ok: false, error: 'bad_passphrase', where: 'share_key_file' });
    // Said at once: before any ballot is checked (no progress), even on a
    // board that would be refused.
    const seen = [];
    const lying = JSON.parse(board.files.aggregates);
    lying.scrutins[1].options[0].alpha = lying.scrutins[1].options[1].alpha;
    expect(M.decrypt({ ...board.files, aggregates: JSON.stringify(lying) }, board.share(1),
      'not the passphrase', (done, total) => seen.push([done, total])))
      .toMatchObject({ ok: false, error: 'bad_passphrase', where: 'share_key_file' });
    expect(seen).toEqual([]);
    const ceremony = M.init('synthetique-11', 1, 3, 2, 'T1', PASS, 'interactive');
    expect(ceremony.ok).toBe(true);
    expect(M.decrypt(board.files, ceremony.keyFile, PASS))
      .toMatchObject({ ok: false, error: 'wrong_stage', where: 'share_key_file' });
    const foreign = M.decrypt(board.files, other.share(1), PASS);
    expect(foreign).toMatchObject({ ok: false, error: 'wrong_election' });
    expect(foreign.detail).toMatch(/synthetique-12/);
  });

  test('bad arguments are values; a throwing progress function does not stop the decryption', () => {
    expect(M.decrypt(null, board.share(1), PASS)).toMatchObject({ ok: false, error: 'bad_argument' });
    expect(M.decrypt({ ...board.files, ballots: 5 }, board.share(1), PASS))
      .toMatchObject({ ok: false, error: 'bad_argument', detail: 'board.ballots must be a string' });
    expect(M.decrypt(board.files, board.share(1), PASS, 'not a function'))
      .toMatchObject({ ok: false, error: 'bad_argument' });
    const r = M.decrypt(board.files, board.share(1), PASS, () => { throw new Error('display broken'); });
    expect(r).toMatchObject({ ok: true, trustee: 1 });
  });
});
