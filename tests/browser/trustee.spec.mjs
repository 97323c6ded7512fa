// The key ceremony in the browser (docs/election-end.md section 1, "In a
// browser"): a 3-of-5 ceremony opened with `isoloir-admin ceremony open`,
// trustees 1-3 on the /tresorier page in Chromium (one browser context each,
// the wasm module running the rounds), trustees 4 and 5 with the CLI
// (`isoloir trustee ...`, their documents fetched and posted over the API as
// a trustee's own script would).
//
// 1. Trustee 4 posts a commitment whose proof of knowledge is not its own:
//    every page names trustee 4 and stops, the honest CLI trustee's `trustee
//    shares` names it too, and `isoloir-admin ceremony finish` refuses naming
//    it and writes nothing.
// 2. Trustee 5 seals to trustees 1 and 2 each other's shares: pages 1 (run
//    with the keyboard alone) and 2 name trustee 5 in round 3 and stop;
//    page 3 (in English) gets a good share and goes on; the admin's finish
//    refuses (trustees 1 and 2 never post their verification key).
// 3. An honest ceremony: the pages run rounds 1-3 (each key file downloaded
//    before its public document is posted), the links are spent afterwards
//    (410; the page says so on a reload), a page reloaded mid-ceremony takes
//    its key back from the downloaded file, `ceremony finish` writes trustees.json and prints the key; the
//    manifest with that key imports (load_trustees) into a new data
//    directory; a ceremony key file made in the page opens with `isoloir
//    trustee finish` and gives the verification key the page posted.
//
// On the page: axe-core finds no serious or critical violation, and no page
// logs an error or a CSP violation.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { adminBin, buildDir, sampleManifest, startUrn } from './urn.mjs';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const cliBin = path.join(buildDir, 'isoloir');

const NAMES = ['Jeanne Dupont', 'Élodie Martin', 'Marc Durand', 'Zoé Dupont-Leroy', 'Hervé Lefèvre'];
const PAGE_PASSPHRASES = ['correct horse battery 1', 'correct horse battery 2', 'correct horse battery 3'];
const CLI_PASSPHRASE = 'cli trustee passphrase';
// Bounds that only keep a broken run from hanging (Argon2id's moderate level
// three times per page, on a shared machine): never what is asserted.
const LONG = 240_000;

let resultsDir;
let work;
const problems = []; // page errors and CSP violations, every page
const axeReport = [];
const urns = [];

function run(bin, args, input = '') {
  return spawnSync(bin, args, { encoding: 'utf8', input, timeout: 120_000 });
}

function openCeremony(urn, electionId) {
  const r = run(adminBin, ['--data-dir', urn.data, 'ceremony', 'open', '--election-id', electionId,
    '--threshold', '3', '--url', urn.url, ...NAMES]);
  assert.equal(r.status, 0, r.stderr);
  const links = [...r.stdout.matchAll(/^trustee (\d+) \((.*)\): (\S+\/tresorier#([A-Za-z0-9_-]{43}))$/gm)]
    .map((m) => ({ index: Number(m[1]), name: m[2], url: m[3], token: m[4] }));
  assert.deepEqual(links.map((l) => l.name), NAMES);
  assert.ok(links.every((l) => l.url.startsWith(`${urn.url}/tresorier#`)));
  return links;
}

async function api(urn, token, method, route, document) {
  const init = { method, headers: { Authorization: `Bearer ${token}` } };
  if (document) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify({ document });
  }
  const res = await fetch(`${urn.url}/api/v1/ceremony${route}`, init);
  return { status: res.status, body: await res.json() };
}

async function waitState(urn, token, ready) {
  for (const end = Date.now() + LONG; Date.now() < end;) {
    const { status, body } = await api(urn, token, 'GET', '');
    assert.equal(status, 200, JSON.stringify(body));
    if (ready(body)) return body;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the ceremony did not get there');
}

// A CLI trustee: its own directory, its round files.
function cliInit(dir, electionId, index) {
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `commitment-${index}.json`);
  const r = run(cliBin, ['trustee', 'init', '--election-id', electionId, '--index', String(index), '--trustees', '5',
    '--threshold', '3', '--name', NAMES[index - 1], '--key-file', path.join(dir, `ceremony-${index}.key`),
    '--out', out, '--kdf', 'interactive'], `${CLI_PASSPHRASE}\n`);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

// The documents of a state into `dir`, as the CLI reads them.
function writeDocs(dir, state, kinds) {
  const files = [];
  for (const kind of kinds) {
    for (const doc of state[kind]) {
      const who = doc.index || doc.from;
      const f = path.join(dir, `got-${kind}-${who}.json`);
      fs.writeFileSync(f, JSON.stringify(doc));
      files.push(f);
    }
  }
  return files;
}

function watch(page, label) {
  page.on('pageerror', (e) => problems.push(`${label}: ${e}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /CSP violation|Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`${label}: ${m.text()}`);
  });
}

async function audit(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const violations = r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  axeReport.push({ name, violations });
  await page.screenshot({ path: path.join(resultsDir, `trustee-${name}.png`), fullPage: true });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe on ${name}: ${JSON.stringify(bad, null, 2)}`);
}

const WORDS = {
  fr: { pass: /^Phrase de passe/, again: /^La même phrase de passe/, start: 'Créer ma clé',
    key: 'Télécharger ma clé de cérémonie', step2: /Étape 2/, share: 'Télécharger ma part de clé' },
  en: { pass: /^Passphrase/, again: /^The same passphrase/, start: 'Create my key',
    key: 'Download my ceremony key', step2: /Step 2/, share: 'Download my key share' },
};

// A page trustee up to its commitment posted: passphrase twice, the key
// file downloaded (returned as text). `keyboard`: typed, tabbed and
// submitted with the keyboard alone, the download link reached with Tab.
async function pageRound1(browser, link, passphrase, { auditName = '', lang = 'fr', keyboard = false } = {}) {
  const w = WORDS[lang];
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1000, height: 900 } });
  // Every CSP violation as a console error (the console check below).
  await context.addInitScript(() => document.addEventListener('securitypolicyviolation',
    (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)));
  const page = await context.newPage();
  watch(page, `trustee ${link.index}`);
  await page.goto(lang === 'fr' ? link.url : link.url.replace('/tresorier#', `/tresorier?lang=${lang}#`));
  await page.getByLabel(w.pass).waitFor();
  assert.match(await page.locator('table').innerText(), new RegExp(NAMES[4]));
  if (auditName) await audit(page, auditName);
  if (keyboard) {
    await page.getByLabel(w.pass).focus();
    await page.keyboard.type(passphrase);
    await page.keyboard.press('Tab');
    await page.keyboard.type(passphrase);
    await page.keyboard.press('Enter');
  } else {
    await page.getByLabel(w.pass).fill(passphrase);
    await page.getByLabel(w.again).fill(passphrase);
    await page.getByRole('button', { name: w.start }).click();
  }
  const link1 = page.getByRole('link', { name: w.key });
  await link1.waitFor({ timeout: LONG });
  let download;
  if (keyboard) {
    // The step's heading has the focus; the download link is next.
    assert.equal(await page.evaluate(() => document.activeElement.id), 'trustee-step-title');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'trustee-download');
    [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  } else {
    [download] = await Promise.all([page.waitForEvent('download'), link1.click()]);
  }
  assert.equal(download.suggestedFilename(), `ceremony-${link.index}.key`);
  const keyFile = fs.readFileSync(await download.path(), 'utf8');
  // Argon2id at the CLI's default level (moderate, 256 MiB) fits in the
  // page's wasm memory: the page falls back to interactive only if not.
  const header = JSON.parse(keyFile);
  assert.deepEqual([header.kind, header.stage, header.index, header.kdf.memlimit],
    ['trustee-key', 'ceremony', link.index, 256 * 1024 * 1024]);
  await page.getByRole('heading', { name: w.step2 }).waitFor({ timeout: LONG });
  // The rounds ran in the page's Worker, not on its thread.
  assert.ok(page.workers().some((x) => x.url().endsWith('/portal/trustee-worker.js')));
  return { context, page, keyFile };
}

export async function setup(ctx) {
  resultsDir = ctx.resultsDir;
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-trustee-'));
  for (const bin of [cliBin, adminBin]) if (!fs.existsSync(bin)) throw new Error(`${bin} is not built`);
}

export async function teardown() {
  for (const urn of urns) {
    await urn.stop();
    urn.cleanup();
  }
  fs.rmSync(work, { recursive: true, force: true });
}

export const tests = [
  ['3-of-5, trustee 4 (CLI) posts a commitment with a bad proof: the pages, the CLI and the admin name it', async ({ browser }) => {
    const urn = await startUrn({ voters: 1 });
    urns.push(urn);
    const electionId = urn.manifest.id;
    const links = openCeremony(urn, electionId);
    const pages = [];
    for (let i = 0; i < 3; i++) {
      pages.push(await pageRound1(browser, links[i], PAGE_PASSPHRASES[i], { auditName: i === 0 ? 'passphrase' : '' }));
    }
    const dir4 = path.join(work, 'cheat-4');
    const dir5 = path.join(work, 'cheat-5');
    const c4 = cliInit(dir4, electionId, 4);
    const c5 = cliInit(dir5, electionId, 5);
    // Trustee 4's proof of knowledge is trustee 5's: well formed, the parser
    // takes it, but it proves nothing about trustee 4's secret.
    c4.pok = c5.pok;
    assert.equal((await api(urn, links[3].token, 'POST', '/commitment', c4)).status, 201);
    assert.equal((await api(urn, links[4].token, 'POST', '/commitment', c5)).status, 201);

    for (const [i, p] of pages.entries()) {
      const stopped = p.page.locator('#trustee-stopped');
      await stopped.waitFor({ timeout: LONG });
      const text = await stopped.innerText();
      assert.match(text, /trésorier n° 4 \(Zoé Dupont-Leroy\)/, `page of trustee ${i + 1}`);
      assert.match(text, /bad_pok/);
    }
    await audit(pages[0].page, 'cheater-named');
    // Nothing was posted by the pages after the commitments.
    const state = await waitState(urn, links[4].token, (s) => s.commitments.length === 5);
    assert.equal(state.shares.length, 0);

    // The honest CLI trustee refuses too, naming trustee 4.
    const files = writeDocs(dir5, state, ['commitments']);
    const r = run(cliBin, ['trustee', 'shares', '--key-file', path.join(dir5, 'ceremony-5.key'), '--out',
      path.join(dir5, 'shares-5.json'), ...files], `${CLI_PASSPHRASE}\n`);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /trustee 4/);

    // The admin's end: refused, trustee 4 named, nothing written.
    const out = path.join(work, 'cheat-trustees.json');
    const fin = run(adminBin, ['--data-dir', urn.data, 'ceremony', 'finish', '--out', out]);
    assert.equal(fin.status, 1, fin.stdout);
    assert.match(fin.stderr, /bad_pok.*trustee 4/);
    assert.equal(fs.existsSync(out), false);
    for (const p of pages) await p.context.close();
  }],

  ['3-of-5, trustee 5 (CLI) seals wrong shares to trustees 1 and 2: their pages name it, trustee 3 (English, its share good) goes on', async ({ browser }) => {
    const urn = await startUrn({ voters: 1 });
    urns.push(urn);
    const electionId = urn.manifest.id;
    const links = openCeremony(urn, electionId);
    const pages = [
      await pageRound1(browser, links[0], PAGE_PASSPHRASES[0], { keyboard: true }),
      await pageRound1(browser, links[1], PAGE_PASSPHRASES[1]),
      await pageRound1(browser, links[2], PAGE_PASSPHRASES[2], { lang: 'en', auditName: 'passphrase-en' }),
    ];
    const dirs = { 4: path.join(work, 'share-4'), 5: path.join(work, 'share-5') };
    for (const i of [4, 5]) {
      assert.equal((await api(urn, links[i - 1].token, 'POST', '/commitment', cliInit(dirs[i], electionId, i))).status, 201);
    }
    const withCommitments = await waitState(urn, links[3].token, (s) => s.commitments.length === 5);
    for (const i of [4, 5]) {
      const files = writeDocs(dirs[i], withCommitments, ['commitments']);
      const out = path.join(dirs[i], `shares-${i}.json`);
      const r = run(cliBin, ['trustee', 'shares', '--key-file', path.join(dirs[i], `ceremony-${i}.key`), '--out', out,
        ...files], `${CLI_PASSPHRASE}\n`);
      assert.equal(r.status, 0, r.stderr);
      const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
      if (i === 5) {
        // Trustee 1's share sealed to trustee 2 and the other way round.
        assert.deepEqual(doc.shares.map((x) => x.to), [1, 2, 3, 4]);
        [doc.shares[0].sealed, doc.shares[1].sealed] = [doc.shares[1].sealed, doc.shares[0].sealed];
      }
      assert.equal((await api(urn, links[i - 1].token, 'POST', '/shares', doc)).status, 201);
    }
    for (const [i, p] of pages.slice(0, 2).entries()) {
      const stopped = p.page.locator('#trustee-stopped');
      await stopped.waitFor({ timeout: LONG });
      const text = await stopped.innerText();
      assert.match(text, /trésorier n° 5 \(Hervé Lefèvre\)/, `page of trustee ${i + 1}`);
      assert.match(text, /bad_sealed_share|bad_share/);
    }
    await audit(pages[0].page, 'bad-share-named');
    // Trustee 3's share from trustee 5 is good: its page goes on.
    await pages[2].page.getByRole('link', { name: WORDS.en.share }).waitFor({ timeout: LONG });
    await audit(pages[2].page, 'share-download-en');
    // Trustees 1 and 2 never post their verification key: no trustees.json.
    const out = path.join(work, 'share-trustees.json');
    const fin = run(adminBin, ['--data-dir', urn.data, 'ceremony', 'finish', '--out', out]);
    assert.equal(fin.status, 1);
    assert.match(fin.stderr, /not_yet: trustee 1/);
    assert.equal(fs.existsSync(out), false);
    for (const p of pages) await p.context.close();
  }],

  ['3-of-5, honest: pages and CLI finish, trustees.json and the key from the admin, key files shared with the CLI', async ({ browser }) => {
    const urn = await startUrn({ voters: 1 });
    urns.push(urn);
    const electionId = urn.manifest.id;
    const links = openCeremony(urn, electionId);
    const pages = [];
    for (let i = 0; i < 3; i++) pages.push(await pageRound1(browser, links[i], PAGE_PASSPHRASES[i]));
    // Trustee 2 reloads: the page forgot the key, and takes it back from the
    // downloaded file (a wrong passphrase is refused first).
    const saved = path.join(work, 'honest-ceremony-2.key');
    fs.writeFileSync(saved, pages[1].keyFile);
    await pages[1].page.reload();
    await pages[1].page.getByRole('heading', { name: 'Reprendre la cérémonie' }).waitFor();
    await pages[1].page.getByLabel(/^Fichier de clé de cérémonie/).setInputFiles(saved);
    await pages[1].page.getByLabel(/^Phrase de passe/).fill('not the passphrase');
    await pages[1].page.getByRole('button', { name: 'Reprendre' }).click();
    await pages[1].page.getByText('Ce fichier ne s’ouvre pas avec cette phrase de passe').waitFor({ timeout: LONG });
    await pages[1].page.getByLabel(/^Phrase de passe/).fill(PAGE_PASSPHRASES[1]);
    await pages[1].page.getByRole('button', { name: 'Reprendre' }).click();
    await pages[1].page.getByRole('heading', { name: /Étape 2/ }).waitFor({ timeout: LONG });
    const dirs = { 4: path.join(work, 'honest-4'), 5: path.join(work, 'honest-5') };
    for (const i of [4, 5]) {
      const c = cliInit(dirs[i], electionId, i);
      const r = await api(urn, links[i - 1].token, 'POST', '/commitment', c);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    // A second commitment is refused; so is one for another trustee.
    const again = await api(urn, links[3].token, 'POST', '/commitment', JSON.parse(
      fs.readFileSync(path.join(dirs[4], 'commitment-4.json'), 'utf8')));
    assert.equal(again.status, 409);

    // Round 2 for the CLI trustees, once every commitment is in (the pages go on by themselves).
    const withCommitments = await waitState(urn, links[3].token, (s) => s.commitments.length === 5);
    for (const i of [4, 5]) {
      const files = writeDocs(dirs[i], withCommitments, ['commitments']);
      const out = path.join(dirs[i], `shares-${i}.json`);
      const r = run(cliBin, ['trustee', 'shares', '--key-file', path.join(dirs[i], `ceremony-${i}.key`), '--out', out,
        ...files], `${CLI_PASSPHRASE}\n`);
      assert.equal(r.status, 0, r.stderr);
      const p = await api(urn, links[i - 1].token, 'POST', '/shares', JSON.parse(fs.readFileSync(out, 'utf8')));
      assert.equal(p.status, 201, JSON.stringify(p.body));
    }

    // Round 3 for the CLI trustees, once every shares document is in.
    const withShares = await waitState(urn, links[3].token, (s) => s.shares.length === 5);
    const publicDir = path.join(work, 'honest-public');
    fs.mkdirSync(publicDir);
    const roundFiles = writeDocs(publicDir, withShares, ['commitments', 'shares']);
    for (const i of [4, 5]) {
      const out = path.join(dirs[i], `verification-key-${i}.json`);
      const r = run(cliBin, ['trustee', 'finish', '--key-file', path.join(dirs[i], `ceremony-${i}.key`),
        '--share-key-file', path.join(dirs[i], `share-${i}.key`), '--out', out, '--kdf', 'interactive', ...roundFiles],
      `${CLI_PASSPHRASE}\n`);
      assert.equal(r.status, 0, r.stderr);
      const p = await api(urn, links[i - 1].token, 'POST', '/verification-key', JSON.parse(fs.readFileSync(out, 'utf8')));
      assert.equal(p.status, 201, JSON.stringify(p.body));
      assert.equal(p.body.done, true);
    }
    // The CLI trustees' links are spent.
    assert.equal((await api(urn, links[3].token, 'GET', '')).status, 410);

    // The pages: every share checked, the share key file downloaded, then done.
    const shareKeys = [];
    for (const [i, p] of pages.entries()) {
      const dl = p.page.getByRole('link', { name: 'Télécharger ma part de clé' });
      await dl.waitFor({ timeout: LONG });
      if (i === 0) await audit(p.page, 'share-download');
      const [download] = await Promise.all([p.page.waitForEvent('download'), dl.click()]);
      assert.equal(download.suggestedFilename(), `share-${i + 1}.key`);
      shareKeys.push(fs.readFileSync(await download.path(), 'utf8'));
      await p.page.locator('#trustee-done').waitFor({ timeout: LONG });
    }
    await audit(pages[0].page, 'done');
    // Every link is spent now; the page says so on a reload.
    assert.equal((await api(urn, links[0].token, 'GET', '')).status, 410);
    await pages[0].page.reload();
    await pages[0].page.getByText('Ce lien a servi jusqu’au bout de la cérémonie').waitFor();

    // The key files the pages made are the CLI's format.
    for (const [i, text] of shareKeys.entries()) {
      const doc = JSON.parse(text);
      assert.deepEqual([doc.kind, doc.stage, doc.index, doc.election_id], ['trustee-key', 'share', i + 1, electionId]);
    }

    // The admin's end: trustees.json and the key.
    const out = path.join(work, 'trustees.json');
    const fin = run(adminBin, ['--data-dir', urn.data, 'ceremony', 'finish', '--out', out]);
    assert.equal(fin.status, 0, fin.stderr);
    const key = /^public_key: ([A-Za-z0-9_-]{43})$/m.exec(fin.stdout)[1];
    assert.match(fin.stdout, /^threshold: 3 of 5$/m);
    const trustees = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(trustees.public_key, key);
    assert.deepEqual(trustees.trustees.map((t) => t.name), NAMES);

    // The CLI combines the same documents into the same bytes.
    const vkFiles = [];
    for (const i of [4, 5]) vkFiles.push(path.join(dirs[i], `verification-key-${i}.json`));
    for (const t of trustees.trustees.slice(0, 3)) {
      const f = path.join(publicDir, `vk-${t.index}.json`);
      fs.writeFileSync(f, JSON.stringify({ version: 'isoloir/1', kind: 'trustee-verification-key', election_id: electionId,
        index: t.index, verification_key: t.verification_key }));
      vkFiles.push(f);
    }
    const combined = path.join(work, 'trustees-cli.json');
    const comb = run(cliBin, ['trustees', 'combine', '--out', combined, ...roundFiles, ...vkFiles]);
    assert.equal(comb.status, 0, comb.stderr);
    assert.equal(fs.readFileSync(combined, 'utf8'), fs.readFileSync(out, 'utf8'));

    // A page-made ceremony key file opens with `isoloir trustee finish` and
    // gives the verification key that page posted.
    const pageKey = path.join(work, 'page-ceremony-2.key');
    fs.writeFileSync(pageKey, pages[1].keyFile);
    const vk2 = path.join(work, 'cli-vk-2.json');
    const fin2 = run(cliBin, ['trustee', 'finish', '--key-file', pageKey, '--share-key-file', path.join(work, 'cli-share-2.key'),
      '--out', vk2, '--kdf', 'interactive', ...roundFiles], `${PAGE_PASSPHRASES[1]}\n`);
    assert.equal(fin2.status, 0, fin2.stderr);
    assert.equal(JSON.parse(fs.readFileSync(vk2, 'utf8')).verification_key, trustees.trustees[1].verification_key);

    // load_trustees accepts it: the manifest with this key imports.
    const data = path.join(work, 'import-data');
    const serverKey = run(adminBin, ['--data-dir', data, 'server-key']).stdout.trim();
    const manifest = JSON.parse(fs.readFileSync(sampleManifest, 'utf8'));
    Object.assign(manifest, { server_key: serverKey, public_key: key });
    const manifestFile = path.join(work, 'manifest.json');
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    const imp = run(adminBin, ['--data-dir', data, 'election', 'import', manifestFile, out]);
    assert.equal(imp.status, 0, imp.stderr);
    for (const p of pages) await p.context.close();
  }],

  ['no page error, no CSP violation; axe clean on every state audited', () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(axeReport.map((r) => r.name),
      ['passphrase', 'cheater-named', 'passphrase-en', 'bad-share-named', 'share-download-en', 'share-download', 'done']);
    fs.writeFileSync(path.join(resultsDir, 'trustee-axe.json'), JSON.stringify(axeReport, null, 2));
  }],
];
