// "/depouillement": a trustee's decryption step in the browser
// (docs/election-end.md section 4, "In a browser"), for the trustees who made
// their key on /tresorier. After the close, the trustee picks the share key
// file (share-J.key) and types its passphrase; the page then does what
// `isoloir trustee decrypt` does, in the WebAssembly module isoloir_trustee
// run by /portal/trustee-worker.js (a Web Worker: every ballot is verified):
//
//   1. fetch the seven files the board serves after the close
//      (/api/v1/record/: manifest, trustees, credentials, ballots, tree head,
//      close, aggregates);
//   2. verify the board as `record verify` does, the close signed by the
//      server over that tree head, and recompute the aggregates from the
//      ballots: if the board's differ, stop and say which scrutin and option
//      (an alarm: nothing is decrypted);
//   3. open the key file and make the partial decryptions with their proofs,
//      offered as partials-J.json to hand to the bureau de vote, who combines
//      them with `isoloir tally combine`.
//
// The key file and the passphrase stay in this page and its worker; nothing
// is sent to the server. Before the close the page says so and asks nothing.
import { h } from '../dom.js';
import { alertBox, field, statusBox } from '../forms.js';
import { trusteeWorker } from '../trustee-client.js';

// Refusals that concern the key file rather than the board.
const KEY_REASONS = new Set(['wrong_election', 'wrong_key_share', 'unknown_trustee']);

function number(n, lang) {
  return new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'fr-FR').format(n);
}

function closeFacts(ctx, close) {
  const t = ctx.t;
  const head = close.tree_head || {};
  return h('section', { 'aria-labelledby': 'count-close-title', id: 'count-close' },
    h('h2', { id: 'count-close-title' }, t('count.closeTitle')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('count.closedAt')), h('dd', { 'data-field': 'closed_at' }, ctx.date(close.closed_at)),
      h('dt', {}, t('count.early')), h('dd', { 'data-field': 'early' }, t(close.early ? 'count.yes' : 'count.no')),
      h('dt', {}, t('count.treeSize')), h('dd', { 'data-field': 'size' }, number(Number(head.size) || 0, ctx.lang))));
}

// A download of `text` as `filename`.
function downloadLink(text, filename, label) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  return h('a', { href: url, download: filename, class: 'button', id: 'count-download' }, label);
}

function countForm(ctx, view) {
  const t = ctx.t;
  const file = field(ctx, {
    label: t('count.keyFile'), hint: t('count.keyFileHint'), required: true,
    attrs: { type: 'file', name: 'sharekey' },
  });
  const pass = field(ctx, {
    label: t('count.passphrase'), required: true,
    attrs: { type: 'password', name: 'passphrase', autocomplete: 'current-password' },
  });
  const button = h('button', { type: 'submit', class: 'primary' }, t('count.start'));
  const bar = h('progress', { id: 'count-progress-bar', max: '1' });
  const line = h('p', { class: 'progress-line', id: 'count-progress-line', 'aria-live': 'polite' });
  const progress = h('div', { class: 'verify-progress', id: 'count-progress', hidden: true },
    h('label', { for: 'count-progress-bar' }, t('count.progressLabel')), bar, line);
  const alert = alertBox();
  alert.el.id = 'count-refusal';
  const outcome = statusBox('success');
  outcome.el.id = 'count-outcome';
  const form = h('form', { novalidate: true, id: 'count-form' },
    file.row, pass.row, h('div', { class: 'actions' }, button));
  let busy = false;

  const onEvent = (m) => {
    if (!view.isConnected) return;
    if (m.event === 'fetching') {
      bar.removeAttribute('value');
      line.textContent = t('count.fetchingFile', { file: m.file });
    } else if (m.event === 'progress') {
      bar.max = Math.max(1, m.total);
      bar.value = m.done;
      line.textContent = t('count.progress', { done: number(m.done, ctx.lang), total: number(m.total, ctx.lang) });
    }
  };

  const refuse = (r) => {
    const reason = (r && (r.error || r.reason)) || 'unknown';
    const detail = (r && r.detail) || '—';
    if (r && r.where === 'share_key_file') {
      if (reason === 'bad_passphrase') return pass.setError(t('count.badPassphrase'));
      if (reason === 'wrong_stage') return file.setError(t('count.wrongStage'));
      return file.setError(t('count.keyRefused', { reason }));
    }
    if (KEY_REASONS.has(reason)) return file.setError(t('count.keyNotForBoard', { reason, detail }));
    if (reason === 'not_closed') return alert.show(t('count.notClosed'));
    if (reason === 'fetch_failed' || reason === 'module_failed') {
      return alert.show(t('count.unavailable'), [t('count.refusedDetail', { detail })]);
    }
    // The board does not verify: an alarm, nothing was decrypted.
    alert.show(t('count.refused'), [t('count.refusedReason', { reason }), t('count.refusedDetail', { detail })]);
    alert.el.classList.add('alarm');
    return null;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    file.setError('');
    pass.setError('');
    alert.clear();
    alert.el.classList.remove('alarm');
    outcome.clear();
    const chosen = file.input.files && file.input.files[0];
    if (!chosen) {
      file.setError(t('common.fieldRequired'));
      file.input.focus();
      return;
    }
    if (!pass.input.value) {
      pass.setError(t('common.fieldRequired'));
      pass.input.focus();
      return;
    }
    busy = true;
    button.disabled = true;
    progress.hidden = false;
    bar.removeAttribute('value');
    line.textContent = t('count.fetching');
    let result;
    try {
      const text = await chosen.text();
      const M = await trusteeWorker();
      result = await M.decrypt(text, pass.input.value, onEvent);
    } catch (e) {
      result = { ok: false, error: 'module_failed', detail: String((e && e.message) || e) };
    }
    busy = false;
    button.disabled = false;
    progress.hidden = true;
    if (!view.isConnected) return;
    if (!result || !result.ok) {
      refuse(result);
      const invalid = form.querySelector('[aria-invalid="true"]');
      if (invalid) invalid.focus();
      return;
    }
    pass.input.value = '';
    const name = `partials-${result.trustee}.json`;
    const link = downloadLink(result.partials, name, t('count.download', { file: name }));
    outcome.show(
      h('p', { class: 'verdict-title' }, h('span', { class: 'mark', 'aria-hidden': 'true' }, '✓ '),
        t('count.done', { index: result.trustee })),
      h('dl', { class: 'facts' },
        h('dt', {}, t('count.electionHash')), h('dd', {}, h('code', { class: 'hash', id: 'count-hash' }, result.electionHash)),
        h('dt', {}, t('count.ballots')), h('dd', { id: 'count-ballots' }, number(result.ballots, ctx.lang))),
      h('p', {}, t('count.handOver')),
      h('div', { class: 'actions' }, link));
    link.focus();
  });

  return h('section', { 'aria-labelledby': 'count-form-title' },
    h('h2', { id: 'count-form-title' }, t('count.formTitle')),
    h('p', {}, t('count.formIntro')),
    form, progress, alert.el, outcome.el);
}

export default {
  title: (t) => t('count.title'),
  async render(ctx, view) {
    const t = ctx.t;
    const alert = alertBox();
    const loading = h('p', { class: 'loading' }, t('common.loading'));
    view.append(h('p', { class: 'lead' }, t('count.intro')), alert.el, loading);
    let close;
    try {
      close = await ctx.api.json('GET', '/api/v1/record/close.json');
    } catch (e) {
      if (!view.isConnected) return null;
      loading.remove();
      if (e && e.error === 'not_closed') {
        view.append(h('div', { class: 'status status-info shown', role: 'status', id: 'count-not-closed' },
          h('p', {}, t('count.notClosed'))));
      } else alert.show(ctx.errorText(e));
      return null;
    }
    if (!view.isConnected) return null;
    loading.remove();
    view.append(closeFacts(ctx, close), countForm(ctx, view));
    return null;
  },
};
