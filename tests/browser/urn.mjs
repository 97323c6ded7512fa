// A real election for the browser tests: isoloir-admin sets up a data
// directory (the sample manifest with this directory's server key and a
// window around now, voters with fresh vote codes made by the booth), and
// isoloir-server serves it with the voter pages (--web-root web) and its mail
// in an outbox directory. Helpers read the mailed links (and the texted
// ones, .sms files) and activate voters over the API, as a voter's browser
// would, solving the server's proof of work with the booth in Node: the
// server runs with pow_difficulty 8 unless a test's `config` says otherwise,
// so that every browser test goes through it.
//
// Each voter i has the identity data a code re-issue checks: NUMEN
// "08E06123" + two digits of i + "ABC", the social-security number's first
// 10 digits "28506751" + two digits of i, the phone "06 12 34 56 " + two
// digits of i (voters[i].numen, .nir, .phone, .phoneE164).
//
//   const urn = await startUrn({ voters: 3 });
//   const page = await browser.newPage();
//   await page.goto(urn.url + '/');
//   ...
//   await urn.stop();
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBooth } from '../../web/booth/index.js';
import { freePort, repoDir } from '../js/support.mjs';

export { freePort };

export const buildDir = path.resolve(process.env.ISOLOIR_BUILD || path.join(repoDir, 'build'));
export const serverBin = path.join(buildDir, 'isoloir-server');
export const adminBin = path.join(buildDir, 'isoloir-admin');
export const sampleManifest = path.join(repoDir, 'examples', 'sample-election', 'manifest.json');
export const sampleTrustees = path.join(repoDir, 'examples', 'sample-election', 'trustees.json');

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** The libpq URI `url` naming the database `name` instead. */
const withDatabase = (url, name) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.href;
};

/**
 * The PostgreSQL cluster of a spec whose servers share an election: the one
 * ISOLOIR_PG_URL names when it is set (scripts/test.sh starts one for all its
 * stages), else a throw-away cluster started with scripts/pg.sh (as root),
 * which stop() stops and deletes. createDatabase() makes an empty database
 * of a random name: {name, conninfo (a libpq URI), drop()}.
 */
export function postgresTestCluster() {
  let url = process.env.ISOLOIR_PG_URL;
  let clusterDir = '';
  if (!url) {
    const start = 'eval "$(bash scripts/pg.sh start)" && printf "%s\\n%s\\n" "$ISOLOIR_PG_DIR" "$ISOLOIR_PG_URL"';
    const r = spawnSync('bash', ['-c', start], { cwd: repoDir, encoding: 'utf8', timeout: 120000 });
    if (r.status !== 0) throw new Error(`scripts/pg.sh start: ${r.stderr || r.error}`);
    [clusterDir, url] = r.stdout.trim().split('\n');
  }
  const sql = (statement) => {
    const r = spawnSync(path.join(PG_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', withDatabase(url, 'postgres'),
      '-c', statement], { encoding: 'utf8', timeout: 60000 });
    if (r.status !== 0) throw new Error(`psql ${statement}: ${r.stderr || r.error}`);
  };
  return {
    url,
    createDatabase() {
      const name = `isoloir_browser_${crypto.randomBytes(8).toString('hex')}`;
      sql(`CREATE DATABASE ${name}`);
      return { name, conninfo: withDatabase(url, name), drop: () => sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
    },
    /** Stops and deletes the cluster if this started it; ISOLOIR_PG_URL's is left running. */
    stop() {
      if (!clusterDir) return;
      const r = spawnSync('bash', ['scripts/pg.sh', 'stop'], { cwd: repoDir, encoding: 'utf8', timeout: 120000,
        env: { ...process.env, ISOLOIR_PG_DIR: clusterDir } });
      if (r.status !== 0) throw new Error(`scripts/pg.sh stop: ${r.stderr || r.error}`);
    },
  };
}

const NAMES = ['Jeanne Dupont', 'Élodie Martin', 'Marc Durand', 'Zoé Dupont-Leroy', 'Hervé Lefèvre',
  'Chloé Bernard', 'Luc Moreau', 'Inès Girard'];

function admin(data, ...args) {
  const r = spawnSync(adminBin, ['--data-dir', data, ...args], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`isoloir-admin ${args.join(' ')}: ${r.stderr || r.error}`);
  return r.stdout.trim();
}

const iso = (seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

// The body of an .eml file, quoted-printable decoded.
function mailBody(text) {
  const body = text.slice(text.indexOf('\r\n\r\n') + 4).replace(/=\r\n/g, '');
  return Buffer.from(body.replace(/=([0-9A-F]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16))),
    'latin1').toString('utf8');
}

/** The decimal two-digit index of voter i ("07"), for the identity data. */
const two = (i) => String(i % 100).padStart(2, '0');

/**
 * Starts an election. Options:
 *  - voters: how many (default 3), named from a list of French names;
 *  - opensIn, closesIn: seconds from now (default -3600, 8 days);
 *  - config: extra server config keys (merged into the JSON config; e.g.
 *    {pow_difficulty: 0} turns the proof of work off);
 *  - webRoot: the pages' directory (default the repo's web/);
 *  - postgres: a libpq connection string (postgresTestCluster().createDatabase()):
 *    the data directory's postgres.conninfo, so that the election is kept in
 *    that database and startAnother() starts servers that share it.
 */
export async function startUrn({ voters = 3, opensIn = -3600, closesIn = 8 * 86400, config = {},
  webRoot = path.join(repoDir, 'web'), postgres } = {}) {
  for (const bin of [serverBin, adminBin]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is not built (cmake --build build)`);
  }
  const booth = await loadBooth();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-urn-'));
  const data = path.join(dir, 'data');
  const outbox = path.join(dir, 'outbox');
  const serverKey = admin(data, 'server-key');
  if (postgres) fs.writeFileSync(path.join(data, 'postgres.conninfo'), `${postgres}\n`, { mode: 0o600 });
  const manifest = JSON.parse(fs.readFileSync(sampleManifest, 'utf8'));
  const now = Math.floor(Date.now() / 1000);
  manifest.server_key = serverKey;
  manifest.opens_at = iso(now + opensIn);
  manifest.closes_at = iso(now + closesIn);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  const electionHash = admin(data, 'election', 'import', path.join(dir, 'manifest.json'), sampleTrustees);

  const people = [];
  const scrutins = manifest.scrutins.map((s) => s.id).join(' ');
  let csv = 'identifier,name,scrutins,credential,pseudonym,numen,challenge,phone\n';
  for (let i = 0; i < voters; i++) {
    const code = booth.newCode();
    const identifier = `agent${i}@ac-test.fr`;
    const name = NAMES[i % NAMES.length];
    const numen = `08E06123${two(i)}ABC`;
    const nir = `28506751${two(i)}`;
    const phone = `06 12 34 56 ${two(i)}`;
    people.push({ identifier, name, code, numen, nir, phone, phoneE164: `+336123456${two(i)}` });
    csv += `${identifier},${name},${scrutins},${booth.credential(manifest.id, code)},p-${i},${numen},${nir},${phone}\n`;
  }
  fs.writeFileSync(path.join(dir, 'voters.csv'), csv);
  admin(data, 'voters', 'import', path.join(dir, 'voters.csv'));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configFile = path.join(dir, 'server.json');
  fs.writeFileSync(configFile, JSON.stringify({
    data_dir: data,
    port,
    web_root: webRoot,
    password_cost: 'minimum',
    pow_difficulty: 8,
    mail: { outbox },
    practical_info: {
      help_desk: { hours: 'du lundi au vendredi, de 8 h à 20 h', phone: '0 800 000 000',
        email: 'assistance@ac-test.fr' },
    },
    ...config,
  }));
  let proc;
  let stderr = '';
  const start = async () => {
    proc = spawn(serverBin, ['--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr.on('data', (d) => { stderr += d; });
    for (let i = 0; ; i++) {
      try {
        await fetch(`${url}/api/v1/board/election`);
        return;
      } catch {
        if (i > 1200 || proc.exitCode !== null) throw new Error(`isoloir-server did not start: ${stderr}`); // 30 s
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  };
  await start();

  const urn = {
    url, dir, data, outbox, electionHash, manifest, manifestText: fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'),
    voters: people,
    /** The token of the latest link of `kind` ('activation' | 'mot-de-passe') mailed to `identifier`. */
    latestToken(identifier, kind = 'activation') {
      const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.eml')).sort() : [];
      for (const f of files.reverse()) {
        const text = fs.readFileSync(path.join(outbox, f), 'latin1');
        if (!text.includes(`\r\nTo: ${identifier}\r\n`) && !text.startsWith(`To: ${identifier}\r\n`)) continue;
        const m = mailBody(text).match(new RegExp(`/${kind}#([A-Za-z0-9_-]{43})`));
        if (m) return m[1];
      }
      return '';
    },
    /**
     * Waits for a link mailed after `previous` (the latest token before the
     * request, '' if none): links are mailed after the answer (issue 9,
     * finding 5). The 60 s bound only keeps a broken server from hanging.
     */
    async awaitToken(identifier, kind = 'activation', previous = '') {
      for (const end = Date.now() + 60_000; Date.now() < end;) {
        const token = urn.latestToken(identifier, kind);
        if (token && token !== previous) return token;
        await new Promise((r) => setTimeout(r, 10));
      }
      return '';
    },
    /** The token of the latest re-issue link texted to `phone` (any form: "06 12 34 56 01", "+33612345601"). */
    latestSmsToken(phone) {
      const to = `+33${String(phone).replace(/[^0-9]/g, '').replace(/^(33|0)/, '')}`;
      const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.sms')).sort() : [];
      for (const f of files.reverse()) {
        const text = fs.readFileSync(path.join(outbox, f), 'utf8');
        if (!text.startsWith(`To: ${to}\n`)) continue;
        const m = text.match(/\/reassort#([A-Za-z0-9_-]{43})/);
        if (m) return m[1];
      }
      return '';
    },
    /** The .sms files of the outbox, oldest first: [{to, text}]. */
    texts() {
      const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.sms')).sort() : [];
      return files.map((f) => {
        const text = fs.readFileSync(path.join(outbox, f), 'utf8');
        return { to: text.slice(4, text.indexOf('\n')), text: text.slice(text.indexOf('\n\n') + 2).trim() };
      });
    },
    /**
     * A solved proof of work for `purpose` ('login' | 'link' | 'reissue'),
     * as the request members: {pow_challenge, pow_nonce}.
     */
    async pow(purpose) {
      const r = await fetch(`${url}/api/v1/pow?purpose=${purpose}`);
      if (r.status !== 200) throw new Error(`pow: ${r.status} ${await r.text()}`);
      const { challenge, difficulty } = await r.json();
      return { pow_challenge: challenge, pow_nonce: String(await booth.solvePow(challenge, difficulty)) };
    },
    /** Logs voter i in over the API: {cookie, csrf} for later requests. */
    async login(i) {
      const v = people[i];
      const r = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ identifier: v.identifier, password: v.password, ...(await urn.pow('login')) }) });
      if (r.status !== 201) throw new Error(`login: ${r.status} ${await r.text()}`);
      const setCookie = r.headers.getSetCookie ? r.headers.getSetCookie()[0] : r.headers.get('set-cookie');
      return { cookie: setCookie.split(';')[0], csrf: (await r.json()).csrf_token };
    },
    /** Activates voter i over the API (link, password, question) without a browser: .password, .question, .answer set. */
    async activate(i, password = 'Correct-Horse-42!') {
      const post = (p, body) => fetch(url + p, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body) });
      const v = people[i];
      const previous = urn.latestToken(v.identifier);
      const r1 = await post('/api/v1/account/activation-link', { identifier: v.identifier, ...(await urn.pow('link')) });
      if (r1.status !== 202) throw new Error(`activation-link: ${r1.status} ${await r1.text()}`);
      const token = await urn.awaitToken(v.identifier, 'activation', previous);
      const question = 'Quelle est la ville de naissance de votre mère ?';
      const answer = 'Saint-Étienne';
      const r2 = await post('/api/v1/account/activate', { token, password, question, answer });
      if (r2.status !== 201) throw new Error(`activate: ${r2.status} ${await r2.text()}`);
      Object.assign(v, { password, question, answer });
      return v;
    },
    /** SIGTERM, and waits for the exit. */
    async stop() {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await done;
      }
    },
    async restart() {
      await urn.stop();
      await start();
    },
    /**
     * One more isoloir-server for this election, its config with another
     * port: resolves to {url, data, stop()}. On SQLite it shares the first
     * server's data directory, which that server holds (urn_locked, exit 2):
     * this rejects with its words. With `postgres` it gets a data directory
     * of its own naming the same database, with a copy of the server key
     * (as every server of one election needs), or with `freshKey` a key of
     * its own, which the election's manifest does not name.
     */
    async startAnother({ freshKey = false } = {}) {
      const otherPort = await freePort();
      let otherConfig = configFile;
      let otherData = data;
      if (postgres) {
        otherData = path.join(dir, `data-${otherPort}`);
        fs.mkdirSync(otherData, { mode: 0o700 });
        if (freshKey) admin(otherData, 'server-key');
        else fs.copyFileSync(path.join(data, 'server.key'), path.join(otherData, 'server.key'));
        fs.copyFileSync(path.join(data, 'postgres.conninfo'), path.join(otherData, 'postgres.conninfo'));
        otherConfig = path.join(dir, `server-${otherPort}.json`);
        fs.writeFileSync(otherConfig, JSON.stringify({ ...JSON.parse(fs.readFileSync(configFile, 'utf8')),
          data_dir: otherData }));
      }
      const other = spawn(serverBin, ['--config', otherConfig, '--port', String(otherPort)],
        { stdio: ['ignore', 'ignore', 'pipe'] });
      let otherErr = '';
      other.stderr.on('data', (d) => { otherErr += d; });
      const otherUrl = `http://127.0.0.1:${otherPort}`;
      for (let i = 0; ; i++) {
        try {
          await fetch(`${otherUrl}/api/v1/board/election`);
          break;
        } catch {
          if (i > 1200 || other.exitCode !== null) {
            if (other.exitCode === null) other.kill('SIGKILL');
            throw new Error(`the other isoloir-server did not start (exit ${other.exitCode}): ${otherErr}`);
          }
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      return {
        url: otherUrl,
        data: otherData,
        async stop() {
          if (other.exitCode !== null) return;
          const done = new Promise((r) => other.once('exit', r));
          other.kill('SIGTERM');
          await done;
        },
      };
    },
    /** Removes the directory (after stop). */
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return urn;
}
