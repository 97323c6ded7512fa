// "/verifier", Vérifier un bulletin (public, no login): a ballot reference
// is looked up on the public board and the board's inclusion proof, with
// the signed tree head, is verified here in the browser by the booth's
// WebAssembly core (verifyInclusion): the answer does not take the server's
// word for it. /verifier#REFERENCE fills the field and checks at once.
import { h, replace } from '../dom.js';
import { alertBox, field, showError } from '../forms.js';
import { cleanReference } from '../rules.js';

export default {
  title: (t) => t('verify.title'),
  render(ctx, view) {
    const t = ctx.t;
    const alert = alertBox();
    const ref = field(ctx, {
      label: t('verify.reference'), hint: t('verify.referenceHint'), required: true,
      attrs: { type: 'text', name: 'reference', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none',
        maxlength: '120', class: 'mono' },
    });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('verify.submit'));
    const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'page-title' },
      ref.row, h('div', { class: 'actions' }, submit));
    // The verdict: polite for "in the urn" and "not found", an alert for a bad proof.
    const verdict = h('div', { class: 'verdict', role: 'status', 'aria-live': 'polite' });
    view.append(h('p', { class: 'lead' }, t('verify.intro')), form, alert.el, verdict);
    ref.input.addEventListener('input', () => ref.setError(''));

    const check = async () => {
      alert.clear();
      alert.el.classList.remove('alarm');
      replace(verdict);
      verdict.className = 'verdict';
      const reference = cleanReference(ref.input.value);
      if (!reference) {
        ref.setError(t('verify.badForm'));
        ref.input.focus();
        return;
      }
      ref.input.value = reference;
      submit.disabled = true;
      verdict.append(h('p', {}, t('verify.checking')));
      try {
        let b;
        try {
          b = await ctx.api.boardBallot(reference);
        } catch (e) {
          replace(verdict);
          if (e && e.error === 'not_found') {
            verdict.className = 'verdict verdict-missing';
            verdict.append(h('p', { class: 'verdict-title' }, t('verify.notFound')), h('p', {}, t('verify.notFoundHint')));
          } else showError(ctx, alert, e);
          return;
        }
        let booth;
        let manifest;
        try {
          const { loadBooth } = await import('/booth/index.js');
          [booth, manifest] = await Promise.all([loadBooth(), ctx.manifest()]);
        } catch (e) {
          replace(verdict);
          if (e && e.name === 'ApiError') showError(ctx, alert, e);
          else alert.show(t('verify.boothFailed'));
          return;
        }
        let result;
        if (b.reference !== reference) result = { ok: false, reason: t('verify.mismatch') };
        else {
          try {
            result = booth.verifyInclusion({ manifestJson: manifest.text, reference, logIndex: b.log_index,
              treeHead: b.tree_head, path: b.path });
          } catch (e) {
            result = { ok: false, reason: (e && (e.reason || e.message)) || String(e) };
          }
        }
        replace(verdict);
        if (!result.ok) {
          alert.show(t('verify.alarm', { reason: [result.reason, result.detail].filter(Boolean).join(': ') }));
          alert.el.classList.add('alarm');
          return;
        }
        const position = b.log_index + 1;
        let size = '';
        try {
          size = JSON.parse(b.tree_head).size;
        } catch {
          size = '?';
        }
        const scrutin = (manifest.json.scrutins || []).find((s) => s.id === b.scrutin);
        verdict.className = 'verdict verdict-ok';
        verdict.append(
          h('p', { class: 'verdict-title' }, h('span', { class: 'mark', 'aria-hidden': 'true' }, '✓ '),
            t('verify.ok', { position })),
          h('h2', {}, t('verify.details')),
          h('dl', { class: 'facts' },
            h('dt', {}, t('verify.scrutin')), h('dd', {}, scrutin ? scrutin.title : b.scrutin),
            h('dt', {}, t('verify.received')), h('dd', {}, ctx.date(b.received_at)),
            h('dt', {}, t('verify.position')), h('dd', {}, t('verify.positionValue', { position, size })),
            h('dt', {}, t('verify.election')),
            h('dd', {}, h('code', { class: 'hash' }, booth.electionHash(manifest.text)), h('br'),
              h('span', { class: 'hint' }, t('verify.electionHint')))));
      } finally {
        submit.disabled = false;
      }
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      check();
    });
    const fromLink = cleanReference(location.hash.slice(1));
    if (fromLink) {
      ref.input.value = fromLink;
      check();
    }
    return null;
  },
};
