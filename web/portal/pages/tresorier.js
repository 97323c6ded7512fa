// "/tresorier#TOKEN": the key ceremony in the browser, for a trustee
// (docs/election-end.md section 1, "In a browser"). The page runs the three
// rounds of `isoloir trustee` in the WebAssembly module isoloir_trustee (in a
// Web Worker, /portal/trustee-worker.js: Argon2id does not freeze the page) and
// relays only public documents through the server (/api/v1/ceremony):
//
//   1. passphrase (twice) -> init: the ceremony key file, DOWNLOADED by the
//      trustee before the commitment is posted;
//   2. every commitment in -> check + shares (a bad proof of knowledge names
//      its trustee and the page stops) -> the shares document posted;
//   3. every shares document in -> finish (a bad share names its sender) ->
//      the share key file, downloaded before the verification key is posted.
//
// The key files are the CLI's (a file made here opens with `isoloir trustee
// finish` and `decrypt`). The secrets live only in this page's memory (the
// sealed key file text and the passphrase) and in the downloaded files; a
// reload forgets them, and the trustee then picks the downloaded ceremony key
// file again. The link's token is read from the fragment, never sent in a URL.
import { h, replace } from '../dom.js';
import { alertBox, field, statusBox } from '../forms.js';
import { trusteeWorker } from '../trustee-client.js';

const POLL_MS = 1500;
const MIN_PASSPHRASE = 10;

class CeremonyError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.error = (body && body.error) || 'network_error';
    this.detail = (body && body.detail) || '';
  }
}

async function call(token, method, path, document) {
  const init = { method, headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' };
  if (document) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify({ document });
  }
  let res;
  try {
    res = await fetch(`/api/v1/ceremony${path}`, init);
  } catch {
    throw new CeremonyError(0, { error: 'network_error' });
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) throw new CeremonyError(res.status, body);
  return body;
}

// A rough strength hint: length and kinds of characters.
function strength(p) {
  let kinds = 0;
  for (const re of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/]) if (re.test(p)) kinds += 1;
  if (p.length >= 20 || (p.length >= 14 && kinds >= 3)) return 'strong';
  if (p.length >= MIN_PASSPHRASE && kinds >= 2) return 'medium';
  return 'weak';
}

// Waits a frame so that a status drawn before a long wasm call is painted.
const paint = () => new Promise((resolve) => { setTimeout(resolve, 30); });

export default {
  title: (t) => t('trustee.title'),
  async render(ctx, view) {
    const t = (key, params) => ctx.t(key, params);
    const token = decodeURIComponent(location.hash.replace(/^#/, ''));
    const S = {
      token,
      ceremony: null, // the last GET /api/v1/ceremony
      phase: 'loading', // loading | passphrase | download | waitCommitments | waitShares | shareDownload | done | stopped | resume
      keyFile: null,
      passphrase: null,
      kdf: 'moderate',
      shareKeyFile: null,
      stopKey: '',
      stopParams: {},
      busy: false,
    };
    const alert = alertBox();
    const status = statusBox('info');
    const summary = h('section', { 'aria-labelledby': 'ceremony-summary-title' });
    const step = h('section', { class: 'trustee-step', 'aria-live': 'polite' });
    view.append(alert.el, status.el, summary, step);

    const me = () => S.ceremony && S.ceremony.members.find((m) => m.index === S.ceremony.me);
    const nameOf = (i) => {
      const m = S.ceremony && S.ceremony.members.find((x) => x.index === i);
      return m ? m.name : String(i);
    };

    // A refusal from the module or the server: a trustee at fault is named.
    function stopWith(e) {
      const detail = (e && e.detail) || '';
      const who = /trustee (\d+)/.exec(detail);
      S.phase = 'stopped';
      stopTimer();
      if (who && e.error !== 'bad_passphrase') {
        const index = Number(who[1]);
        S.stopKey = 'trustee.cheater';
        S.stopParams = { index, name: nameOf(index), reason: e.error, detail };
      } else {
        S.stopKey = e && e.error === 'bad_passphrase' ? 'trustee.badPassphrase' : 'trustee.failed';
        S.stopParams = { reason: (e && e.error) || 'error', detail };
      }
      drawStep();
    }

    let timer = null;
    function stopTimer() {
      if (timer) clearTimeout(timer);
      timer = null;
    }
    function poll() {
      stopTimer();
      timer = setTimeout(async () => {
        timer = null;
        if (!view.isConnected) return;
        try {
          await refresh();
          await advance();
        } catch (e) {
          if (e instanceof CeremonyError && e.error === 'network_error') return poll();
          return stopWith(e);
        }
        if (S.phase === 'waitCommitments' || S.phase === 'waitShares') poll();
      }, POLL_MS);
    }

    async function refresh() {
      S.ceremony = await call(S.token, 'GET', '');
      drawSummary();
    }

    const allIn = (what) => S.ceremony.members.every((m) => m[what]);

    // Moves on when what the current phase waits for is in.
    async function advance() {
      if (S.busy) return;
      if (S.phase === 'waitCommitments' && allIn('commitment')) {
        S.busy = true;
        status.show(t('trustee.working2'));
        await paint();
        const M = await trusteeWorker();
        const commitments = S.ceremony.commitments.map((d) => JSON.stringify(d));
        const checked = await M.check(commitments);
        if (!checked.ok) { S.busy = false; status.clear(); return stopWith(checked); }
        const r = await M.shares(S.keyFile, S.passphrase, commitments);
        if (!r.ok) { S.busy = false; status.clear(); return stopWith(r); }
        await call(S.token, 'POST', '/shares', JSON.parse(r.shares));
        S.busy = false;
        status.clear();
        S.phase = 'waitShares';
        await refresh();
        drawStep();
      }
      if (S.phase === 'waitShares' && allIn('shares')) {
        S.busy = true;
        status.show(t('trustee.working3'));
        await paint();
        const M = await trusteeWorker();
        const commitments = S.ceremony.commitments.map((d) => JSON.stringify(d));
        const shares = S.ceremony.shares.map((d) => JSON.stringify(d));
        const r = await M.finish(S.keyFile, S.passphrase, commitments, shares, S.kdf);
        S.busy = false;
        status.clear();
        if (!r.ok) return stopWith(r);
        S.shareKeyFile = r.shareKeyFile;
        S.verificationKey = JSON.parse(r.verificationKey);
        S.phase = 'shareDownload';
        drawStep(true);
      }
    }

    function drawSummary() {
      const c = S.ceremony;
      if (!c) return replace(summary);
      const rows = c.members.map((m) => {
        const mark = (done) => (done ? t('trustee.yes') : t('trustee.no'));
        return h('tr', { class: m.index === c.me ? 'me' : '' },
          h('th', { scope: 'row' }, `${m.index}. ${m.name}`, m.index === c.me ? ` ${t('trustee.you')}` : ''),
          h('td', {}, mark(m.commitment)),
          h('td', {}, mark(m.shares)),
          h('td', {}, mark(m.verification_key)));
      });
      replace(summary,
        h('h2', { id: 'ceremony-summary-title' }, t('trustee.ceremony')),
        h('p', {}, t('trustee.summary', { election: c.election_id, n: c.trustees, t: c.threshold })),
        h('div', { class: 'table-wrap' }, h('table', { class: 'table trustee-progress' },
          h('caption', {}, t('trustee.progress')),
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, t('trustee.colTrustee')),
            h('th', { scope: 'col' }, t('trustee.colCommitment')),
            h('th', { scope: 'col' }, t('trustee.colShares')),
            h('th', { scope: 'col' }, t('trustee.colKey')))),
          h('tbody', {}, rows))));
    }

    // A download of `text` as `filename`; `then` runs once it was clicked.
    function downloadLink(text, filename, label, then) {
      const url = URL.createObjectURL(new Blob([text], { type: 'application/octet-stream' }));
      const a = h('a', { href: url, download: filename, class: 'button', id: 'trustee-download' }, label);
      a.addEventListener('click', () => {
        // After the browser took the file: the URL can go.
        setTimeout(() => { URL.revokeObjectURL(url); then(); }, 100);
      });
      return a;
    }

    function passphraseForm() {
      const p1 = field(ctx, {
        label: t('trustee.passphrase'), hint: t('trustee.passphraseHint', { min: MIN_PASSPHRASE }), required: true,
        attrs: { type: 'password', name: 'passphrase', autocomplete: 'new-password' },
      });
      const p2 = field(ctx, {
        label: t('trustee.passphraseAgain'), required: true,
        attrs: { type: 'password', name: 'passphrase2', autocomplete: 'new-password' },
      });
      const meter = h('p', { class: 'hint', id: 'trustee-strength', 'aria-live': 'polite' });
      p1.input.addEventListener('input', () => {
        p1.setError('');
        const v = p1.input.value;
        meter.textContent = v ? t(`trustee.strength.${strength(v)}`) : '';
      });
      p2.input.addEventListener('input', () => p2.setError(''));
      const form = h('form', { novalidate: true },
        h('p', {}, t('trustee.round1Intro')),
        p1.row, meter, p2.row,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'trustee-start' }, t('trustee.start'))));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (S.busy) return;
        const v = p1.input.value;
        if (v.length < MIN_PASSPHRASE) {
          p1.setError(t('trustee.tooShort', { min: MIN_PASSPHRASE }));
          return p1.input.focus();
        }
        if (p2.input.value !== v) {
          p2.setError(t('trustee.mismatch'));
          return p2.input.focus();
        }
        S.busy = true;
        status.show(t('trustee.working1'));
        await paint();
        let r;
        try {
          const M = await trusteeWorker();
          const c = S.ceremony;
          const name = me().name;
          r = await M.init(c.election_id, c.me, c.trustees, c.threshold, name, v, S.kdf);
          if (!r.ok && r.error === 'out_of_memory') {
            // Argon2id's 256 MiB did not fit: libsodium's interactive level.
            S.kdf = 'interactive';
            r = await M.init(c.election_id, c.me, c.trustees, c.threshold, name, v, S.kdf);
          }
        } catch {
          r = { ok: false, error: 'module_failed', detail: '' };
        }
        S.busy = false;
        status.clear();
        if (!r.ok) return stopWith(r);
        S.keyFile = r.keyFile;
        S.passphrase = v;
        S.commitment = JSON.parse(r.commitment);
        p1.input.value = '';
        p2.input.value = '';
        S.phase = 'download';
        drawStep(true);
      });
      return form;
    }

    // After a reload: the downloaded ceremony key file and its passphrase.
    function resumeForm() {
      const file = field(ctx, {
        label: t('trustee.keyFile'), required: true,
        attrs: { type: 'file', name: 'keyfile' },
      });
      const pass = field(ctx, {
        label: t('trustee.passphrase'), required: true,
        attrs: { type: 'password', name: 'passphrase', autocomplete: 'current-password' },
      });
      const form = h('form', { novalidate: true },
        h('p', {}, t('trustee.resumeIntro')),
        file.row, pass.row,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('trustee.resume'))));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const f = file.input.files && file.input.files[0];
        if (!f) return file.setError(t('common.fieldRequired'));
        const text = await f.text();
        const M = await trusteeWorker();
        const opened = await M.openKeyFile(text, pass.input.value);
        if (!opened.ok || opened.stage !== 'ceremony' || opened.index !== S.ceremony.me ||
            opened.electionId !== S.ceremony.election_id) {
          return pass.setError(t('trustee.resumeRefused'));
        }
        S.keyFile = text;
        S.passphrase = pass.input.value;
        S.phase = me().shares ? 'waitShares' : 'waitCommitments';
        drawStep(true);
        poll();
      });
      return form;
    }

    function drawStep(focus = false) {
      const c = S.ceremony;
      let content = [];
      switch (S.phase) {
        case 'loading':
          content = [h('p', {}, t('trustee.loading'))];
          break;
        case 'passphrase':
          content = [h('h2', { id: 'trustee-step-title', tabindex: '-1' }, t('trustee.round1')), passphraseForm()];
          break;
        case 'resume':
          content = [h('h2', { id: 'trustee-step-title', tabindex: '-1' }, t('trustee.resumeTitle')), resumeForm()];
          break;
        case 'download':
          content = [
            h('h2', { id: 'trustee-step-title', tabindex: '-1' }, t('trustee.saveKey')),
            h('p', {}, t('trustee.saveKeyText')),
            h('div', { class: 'actions' }, downloadLink(S.keyFile, `ceremony-${c.me}.key`, t('trustee.downloadKey'), async () => {
              if (S.phase !== 'download') return;
              S.phase = 'posting';
              try {
                await call(S.token, 'POST', '/commitment', S.commitment);
                S.phase = 'waitCommitments';
                await refresh();
                drawStep(true);
                await advance();
                if (S.phase === 'waitCommitments' || S.phase === 'waitShares') poll();
              } catch (e) {
                stopWith(e);
              }
            })),
          ];
          break;
        case 'posting':
          content = [h('p', {}, t('trustee.posting'))];
          break;
        case 'waitCommitments':
          content = [h('h2', { id: 'trustee-step-title', tabindex: '-1' }, t('trustee.round2')), h('p', {}, t('trustee.waitCommitments'))];
          break;
        case 'waitShares':
          content = [h('h2', { id: 'trustee-step-title', tabindex: '-1' }, t('trustee.round3')), h('p', {}, t('trustee.waitShares'))];
          break;
        case 'shareDownload':
          content = [
            h('h2', { id: 'trustee-step-title', tabindex: '-1' }, t('trustee.saveShare')),
            h('p', {}, t('trustee.saveShareText')),
            h('div', { class: 'actions' }, downloadLink(S.shareKeyFile, `share-${c.me}.key`, t('trustee.downloadShare'), async () => {
              if (S.phase !== 'shareDownload') return;
              S.phase = 'posting';
              try {
                await call(S.token, 'POST', '/verification-key', S.verificationKey);
                S.phase = 'done';
                S.keyFile = null;
                S.passphrase = null;
                S.shareKeyFile = null;
                try { await refresh(); } catch { /* the link is spent now: 410 */ }
                drawStep(true);
              } catch (e) {
                stopWith(e);
              }
            })),
          ];
          break;
        case 'done':
          content = [h('div', { class: 'status status-success shown', id: 'trustee-done', role: 'status' },
            h('p', {}, t('trustee.done')))];
          break;
        case 'stopped':
          content = [h('div', { class: 'alert shown', id: 'trustee-stopped', role: 'alert' },
            h('p', {}, t(S.stopKey, S.stopParams)),
            S.stopParams.detail ? h('p', { class: 'hint' }, S.stopParams.detail) : null)];
          break;
        default:
          content = [];
      }
      replace(step, content);
      if (focus) {
        const title = document.getElementById('trustee-step-title');
        if (title) title.focus();
      }
    }

    if (!token) {
      S.phase = 'stopped';
      S.stopKey = 'trustee.noLink';
      drawStep();
      return null;
    }
    drawStep();
    try {
      await refresh();
    } catch (e) {
      if (e.error === 'link_spent') {
        S.phase = 'stopped';
        S.stopKey = 'trustee.spent';
        S.stopParams = {};
        drawStep();
      } else {
        stopWith(e);
      }
      return null;
    }
    S.phase = me().commitment ? 'resume' : 'passphrase';
    drawStep();
    return {
      relang() {
        const heading = document.getElementById('page-title');
        if (heading) heading.textContent = ctx.t('trustee.title');
        drawSummary();
        // A form half filled in or a wasm call under way stays as it is.
        const typed = [...step.querySelectorAll('input')].some((i) => i.value);
        if (!S.busy && !typed) drawStep();
      },
    };
  },
};
