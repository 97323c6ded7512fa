// "/resultats", Résultats (public, no login): per scrutin the counts of the
// published results (a bar chart for the eye, hidden from assistive
// technologies, and beside it a real table with a caption, the accessible
// version), the turnout (votes / registered voters), the election record's
// files to download, and a button that verifies the whole record in this
// browser: verify-worker.js fetches the seven files and runs the record
// verifier (WebAssembly, from the same C++ core) in a Web Worker, telling its
// progress; the outcome is the election hash and a check that the recomputed
// counts are the ones shown, or the refusal with the file and entry at fault.
//
// Server side (docs/election-end.md section 3): GET /api/v1/record/manifest.json
// and results.json (404 not_published before the count), GET /api/v1/board/turnout
// ({at, scrutins: [{id, registered, votes}]}), and the files to download.
import { h, replace } from '../dom.js';
import { alertBox, statusBox } from '../forms.js';

// The record's files in the order of PROTOCOL.md section 8, and the archive.
export const RECORD_FILES = ['manifest.json', 'trustees.json', 'credentials.json', 'ballots.jsonl',
  'tree_head.json', 'tally.json', 'results.json'];
const ARCHIVE = 'record.tar.gz';
const RECORD_PATH = '/api/v1/record/';

function locale(lang) {
  return lang === 'en' ? 'en-GB' : 'fr-FR';
}

export function formatNumber(n, lang) {
  return new Intl.NumberFormat(locale(lang)).format(n);
}

/** 0.4167 -> "41,7 %" (French) or "41.7%" (English). */
export function formatPercent(ratio, lang) {
  return new Intl.NumberFormat(locale(lang), { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 })
    .format(ratio);
}

/** Counts of a results.json scrutin (or a verifier result) as {option id: count}. */
function countMap(counts, key) {
  return Object.fromEntries((counts || []).map((c) => [c[key], c.count]));
}

/** The scrutin's rows in the manifest's order: [{id, label, blank, count}]. */
function rowsOf(scrutin, published) {
  const counts = countMap(published.counts, 'id');
  return (scrutin.options || []).map((o) => ({ id: o.id, label: o.label, blank: Boolean(o.blank),
    count: Number(counts[o.id] ?? 0) }));
}

function turnoutFacts(ctx, turnout) {
  const t = ctx.t;
  if (!turnout) return null;
  const { registered, votes } = turnout;
  const rate = registered > 0 ? formatPercent(votes / registered, ctx.lang) : '—';
  return h('dl', { class: 'facts turnout' },
    h('dt', {}, t('results.registered')), h('dd', { 'data-field': 'registered' }, formatNumber(registered, ctx.lang)),
    h('dt', {}, t('results.votes')), h('dd', { 'data-field': 'votes' }, formatNumber(votes, ctx.lang)),
    h('dt', {}, t('results.rate')), h('dd', { 'data-field': 'rate' }, rate));
}

// The bar chart: drawn with elements whose width is set through the CSSOM
// (no style attribute: the CSP forbids inline style). aria-hidden: the table
// says the same to assistive technologies.
function chart(ctx, rows) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return h('div', { class: 'chart', 'aria-hidden': 'true' }, rows.map((r) => {
    const bar = h('span', { class: r.blank ? 'chart-bar chart-bar-blank' : 'chart-bar' });
    bar.style.width = `${(100 * r.count) / max}%`;
    return h('div', { class: 'chart-row', 'data-option': r.id },
      h('span', { class: 'chart-label' }, r.label),
      h('span', { class: 'chart-track' }, bar),
      h('span', { class: 'chart-count' }, formatNumber(r.count, ctx.lang)));
  }));
}

function table(ctx, scrutin, rows, ballots) {
  const t = ctx.t;
  const expressed = rows.filter((r) => !r.blank).reduce((sum, r) => sum + r.count, 0);
  const share = (r) => {
    if (r.blank) return t('results.notExpressed');
    return expressed > 0 ? formatPercent(r.count / expressed, ctx.lang) : '—';
  };
  // A region that can take the keyboard focus: on a narrow screen the table
  // scrolls sideways, and keyboard users must be able to scroll it too.
  const captionId = `caption-${scrutin.id}`;
  return h('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': captionId },
    h('table', { class: 'table results-table', 'data-scrutin': scrutin.id },
      h('caption', { id: captionId }, t('results.caption', { title: scrutin.title })),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('results.option')),
        h('th', { scope: 'col', class: 'num' }, t('results.count')),
        h('th', { scope: 'col', class: 'num' }, t('results.share')))),
      h('tbody', {}, rows.map((r) => h('tr', { 'data-option': r.id, class: r.blank ? 'blank' : null },
        h('th', { scope: 'row' }, r.label),
        h('td', { class: 'num', 'data-field': 'count' }, formatNumber(r.count, ctx.lang)),
        h('td', { class: 'num', 'data-field': 'share' }, share(r))))),
      h('tfoot', {},
        h('tr', {}, h('th', { scope: 'row' }, t('results.expressed')),
          h('td', { class: 'num', 'data-field': 'expressed' }, formatNumber(expressed, ctx.lang)), h('td', {})),
        h('tr', {}, h('th', { scope: 'row' }, t('results.ballots')),
          h('td', { class: 'num', 'data-field': 'ballots' }, formatNumber(ballots, ctx.lang)), h('td', {})))));
}

function scrutinSection(ctx, scrutin, published, turnout, at) {
  const t = ctx.t;
  const id = `scrutin-${scrutin.id}`;
  const section = h('section', { class: 'scrutin-results', 'aria-labelledby': id, 'data-scrutin': scrutin.id },
    h('h2', { id }, scrutin.title || scrutin.id));
  if (published) {
    const rows = rowsOf(scrutin, published);
    section.append(h('div', { class: 'results-pair' }, chart(ctx, rows), table(ctx, scrutin, rows, published.ballots)));
  }
  if (turnout) {
    section.append(h('h3', {}, at ? t('results.turnoutAt', { at: ctx.date(at) }) : t('results.turnout')),
      turnoutFacts(ctx, turnout));
  }
  return section;
}

function downloads(ctx) {
  const t = ctx.t;
  return h('section', { 'aria-labelledby': 'record-files' },
    h('h2', { id: 'record-files' }, t('results.recordTitle')),
    h('p', {}, t('results.recordIntro')),
    h('ul', { class: 'plain downloads' },
      h('li', {}, h('a', { href: RECORD_PATH + ARCHIVE, download: ARCHIVE }, t('results.archive', { file: ARCHIVE }))),
      RECORD_FILES.map((f) => h('li', {}, h('a', { href: RECORD_PATH + f, download: f, class: 'mono' }, f)))));
}

// The verification panel: button, progress, outcome.
function verifier(ctx, view, published) {
  const t = ctx.t;
  const button = h('button', { type: 'button', class: 'primary', id: 'verify-record' }, t('results.verify'));
  const bar = h('progress', { id: 'verify-progress', max: '1', value: '0' });
  const label = h('label', { for: 'verify-progress' }, t('results.progressLabel'));
  const line = h('p', { class: 'progress-line', id: 'verify-count', 'aria-live': 'polite' });
  const progress = h('div', { class: 'verify-progress', hidden: true }, label, bar, line);
  const alert = alertBox();
  const status = statusBox('success');
  status.el.id = 'verify-outcome';
  alert.el.id = 'verify-refusal';
  let worker = null;

  const stop = () => {
    if (worker) worker.terminate();
    worker = null;
    button.disabled = false;
  };
  const shown = (r) => {
    // Every scrutin shown, with every option, has the recomputed count.
    const mismatched = [];
    for (const s of published.scrutins || []) {
      const mine = countMap(s.counts, 'id');
      const again = (r.results || []).find((x) => x.scrutin === s.id);
      const theirs = again ? countMap(again.counts, 'option') : null;
      const same = theirs && Object.keys(mine).length === Object.keys(theirs).length &&
        Object.entries(mine).every(([k, v]) => theirs[k] === v) && again.ballots === s.ballots;
      if (!same) mismatched.push(s.id);
    }
    return mismatched;
  };
  const finish = (result) => {
    stop();
    progress.hidden = true;
    if (!result || !result.ok) {
      const reason = (result && result.reason) || 'unknown';
      alert.show(t('results.refused'), [t('results.refusedReason', { reason }),
        t('results.refusedDetail', { detail: (result && result.detail) || '—' })]);
      alert.el.classList.add('alarm');
      return;
    }
    const mismatched = shown(result);
    if (mismatched.length) {
      alert.show(t('results.mismatch', { scrutins: mismatched.join(', ') }));
      alert.el.classList.add('alarm');
      return;
    }
    status.show(
      h('p', { class: 'verdict-title' }, h('span', { class: 'mark', 'aria-hidden': 'true' }, '✓ '), t('results.verified')),
      h('dl', { class: 'facts' },
        h('dt', {}, t('results.electionHash')), h('dd', {}, h('code', { class: 'hash', id: 'verified-hash' }, result.election_hash)),
        h('dt', {}, t('results.checkedBallots')), h('dd', {}, formatNumber(result.ballots, ctx.lang)),
        h('dt', {}, t('results.checkedVoters')), h('dd', {}, formatNumber(result.voters, ctx.lang))),
      h('p', { id: 'verified-counts' }, t('results.countsMatch')));
  };

  button.addEventListener('click', () => {
    if (worker) return;
    alert.clear();
    alert.el.classList.remove('alarm');
    status.clear();
    button.disabled = true;
    bar.removeAttribute('value'); // indeterminate while the files come
    bar.max = 1;
    line.textContent = t('results.fetching');
    progress.hidden = false;
    try {
      worker = new Worker('/portal/verify-worker.js', { type: 'module' });
    } catch (e) {
      finish({ ok: false, reason: 'verifier_unavailable', detail: String((e && e.message) || e) });
      return;
    }
    worker.addEventListener('message', (event) => {
      if (!view.isConnected) {
        stop(); // the voter has left the page
        return;
      }
      const m = event.data || {};
      if (m.type === 'fetching') line.textContent = t('results.fetchingFile', { file: m.file });
      else if (m.type === 'progress') {
        bar.max = Math.max(1, m.total);
        bar.value = m.done;
        line.textContent = t('results.progress', { done: formatNumber(m.done, ctx.lang), total: formatNumber(m.total, ctx.lang) });
      } else if (m.type === 'result') finish(m.result);
    });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      finish({ ok: false, reason: 'verifier_unavailable', detail: event.message || '' });
    });
    worker.postMessage({ base: '' });
  });

  return h('section', { 'aria-labelledby': 'verify-title', class: 'verify-record' },
    h('h2', { id: 'verify-title' }, t('results.verifyTitle')),
    h('p', {}, t('results.verifyIntro')),
    h('div', { class: 'actions' }, button),
    progress, status.el, alert.el);
}

export default {
  title: (t) => t('results.title'),
  async render(ctx, view) {
    const t = ctx.t;
    const alert = alertBox();
    const loading = h('p', { class: 'loading' }, t('common.loading'));
    view.append(h('p', { class: 'lead' }, t('results.intro')), alert.el, loading);

    // The record's manifest once the election is closed, else the board's
    // (titles for the turnout before the close).
    const manifestP = ctx.api.json('GET', `${RECORD_PATH}manifest.json`)
      .catch(() => ctx.manifest().then((m) => m.json));
    const resultsP = ctx.api.json('GET', `${RECORD_PATH}results.json`).then((r) => ({ r }), (e) => ({ e }));
    const turnoutP = ctx.api.json('GET', '/api/v1/board/turnout').then((r) => ({ r }), (e) => ({ e }));
    let manifest;
    try {
      manifest = await manifestP;
    } catch (e) {
      loading.remove();
      alert.show(ctx.errorText(e));
      return null;
    }
    const [results, turnout] = await Promise.all([resultsP, turnoutP]);
    if (!view.isConnected) return null;
    loading.remove();

    const published = results.r && Array.isArray(results.r.scrutins) ? results.r : null;
    if (!published) {
      const e = results.e;
      if (e && (e.error === 'not_published' || e.error === 'not_closed')) {
        view.append(h('div', { class: 'status status-info shown', role: 'status', id: 'not-published' },
          h('p', {}, t('results.notPublished'))));
      } else alert.show(ctx.errorText(e));
    }
    const turnouts = turnout.r && Array.isArray(turnout.r.scrutins) ? turnout.r.scrutins : null;
    if (!turnouts) {
      view.append(h('p', { class: 'hint', id: 'turnout-unavailable' }, t('results.turnoutUnavailable')));
    }
    for (const s of manifest.scrutins || []) {
      const mine = published ? (published.scrutins || []).find((x) => x.id === s.id) : null;
      const seen = turnouts ? turnouts.find((x) => x.id === s.id) : null;
      view.append(scrutinSection(ctx, s, mine, seen, turnout.r && turnout.r.at));
    }
    if (published) view.append(downloads(ctx), verifier(ctx, view, published));
    return null;
  },
};
