// A real election for the browser tests: isoloir-admin sets up a data
// directory (the sample manifest with this directory's server key and a
// window around now, voters with fresh vote codes made by the booth), and
// isoloir-server serves it with the voter pages (--web-root web) and its mail
// in an outbox directory. Helpers read the mailed links and activate voters
// over the API, as a voter's browser would.
//
//   const urn = await startUrn({ voters: 3 });
//   const page = await browser.newPage();
//   await page.goto(urn.url + '/');
//   ...
//   await urn.stop();
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadBooth } from '../../web/booth/index.js';
import { repoDir } from '../js/support.mjs';

export const buildDir = path.resolve(process.env.ISOLOIR_BUILD || path.join(repoDir, 'build'));
export const serverBin = path.join(buildDir, 'isoloir-server');
export const adminBin = path.join(buildDir, 'isoloir-admin');
export const sampleManifest = path.join(repoDir, 'examples', 'sample-election', 'manifest.json');

const NAMES = ['Jeanne Dupont', 'Élodie Martin', 'Marc Durand', 'Zoé Dupont-Leroy', 'Hervé Lefèvre',
  'Chloé Bernard', 'Luc Moreau', 'Inès Girard'];

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

/**
 * Starts an election. Options:
 *  - voters: how many (default 3), named from a list of French names;
 *  - opensIn, closesIn: seconds from now (default -3600, 8 days);
 *  - config: extra server config keys (merged into the JSON config);
 *  - webRoot: the pages' directory (default the repo's web/).
 */
export async function startUrn({ voters = 3, opensIn = -3600, closesIn = 8 * 86400, config = {},
  webRoot = path.join(repoDir, 'web') } = {}) {
  for (const bin of [serverBin, adminBin]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is not built (cmake --build build)`);
  }
  const booth = await loadBooth();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isoloir-urn-'));
  const data = path.join(dir, 'data');
  const outbox = path.join(dir, 'outbox');
  const serverKey = admin(data, 'server-key');
  const manifest = JSON.parse(fs.readFileSync(sampleManifest, 'utf8'));
  const now = Math.floor(Date.now() / 1000);
  manifest.server_key = serverKey;
  manifest.opens_at = iso(now + opensIn);
  manifest.closes_at = iso(now + closesIn);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  const electionHash = admin(data, 'election', 'import', path.join(dir, 'manifest.json'));

  const people = [];
  const scrutins = manifest.scrutins.map((s) => s.id).join(' ');
  let csv = 'identifier,name,scrutins,credential,pseudonym,numen,challenge,phone\n';
  for (let i = 0; i < voters; i++) {
    const code = booth.newCode();
    const identifier = `agent${i}@ac-test.fr`;
    const name = NAMES[i % NAMES.length];
    people.push({ identifier, name, code });
    csv += `${identifier},${name},${scrutins},${booth.credential(manifest.id, code)},p-${i},,,\n`;
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
        if (i > 400 || proc.exitCode !== null) throw new Error(`isoloir-server did not start: ${stderr}`);
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
    /** Activates voter i over the API (link, password, question) without a browser. */
    async activate(i, password = 'Correct-Horse-42!') {
      const post = (p, body) => fetch(url + p, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body) });
      const v = people[i];
      const r1 = await post('/api/v1/account/activation-link', { identifier: v.identifier });
      if (r1.status !== 202) throw new Error(`activation-link: ${r1.status} ${await r1.text()}`);
      const token = urn.latestToken(v.identifier);
      const r2 = await post('/api/v1/account/activate', { token, password, question: 'Ville de naissance ?',
        answer: 'Saint-Étienne' });
      if (r2.status !== 201) throw new Error(`activate: ${r2.status} ${await r2.text()}`);
      v.password = password;
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
    /** Removes the directory (after stop). */
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return urn;
}
