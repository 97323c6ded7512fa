// The two pages opened from a mailed link, /activation#TOKEN and
// /mot-de-passe#TOKEN, and their "send me a link" form without a fragment.
//
// The token is read from the fragment once and the fragment is removed at
// once (history.replaceState), so that it is neither left in the address
// bar nor in the history. It is kept in memory only, for this history entry
// (a language switch redraws the page without losing it); a reload forgets
// it and the voter opens the mailed link again.
import { h } from '../dom.js';
import { alertBox, linkRequestForm, passwordFields, showError, statusBox } from '../forms.js';
import { cleanToken } from '../rules.js';

let held = null; // {token, entry, identifier}
let entries = 0;

function takeToken() {
  if (location.hash.length > 1) {
    const token = cleanToken(location.hash);
    entries += 1;
    held = { token, entry: entries, identifier: null };
    history.replaceState({ linkEntry: entries }, '', location.pathname + location.search);
    return held;
  }
  const state = history.state;
  if (held && state && state.linkEntry === held.entry) return held;
  return null;
}

/**
 * purpose: 'activation' | 'password'. `extra(ctx)` adds fields to the form
 * (the challenge question) and returns {fieldset, check(), values()}.
 */
export function tokenPage({ purpose, path, titleKey, ask, legendKey, submitKey, notice, send, extra }) {
  return {
    title: (t) => t(titleKey),
    async render(ctx, view) {
      const t = ctx.t;
      const link = takeToken();
      if (!link) {
        view.append(linkRequestForm(ctx, {
          intro: t(ask.intro), submitLabel: t(ask.submit), sentText: t(ask.sent), send: (id, pow) => ask.send(ctx, id, pow),
        }));
        return null;
      }
      const alert = alertBox();
      const status = statusBox();
      view.append(alert.el, status.el);
      const dead = (reason) => {
        status.clear();
        alert.show(ctx.errorText({ error: reason }));
        view.append(h('p', { class: 'actions' },
          h('a', { href: path, class: 'button' }, t('activation.newLink')),
          reason === 'already_active' || (purpose === 'activation' && reason === 'token_used')
            ? h('a', { href: '/', class: 'button secondary' }, t('activation.login')) : null));
      };
      if (!link.token) {
        dead('bad_token');
        return null;
      }
      if (!link.identifier) {
        status.show(t('activation.checking'));
        try {
          link.identifier = (await ctx.api.linkStatus(link.token, purpose)).identifier;
        } catch (e) {
          if (!view.isConnected) return null;
          if (e && e.status >= 400 && e.status < 500 && e.error !== 'too_many_attempts') dead(e.error);
          else {
            status.clear();
            showError(ctx, alert, e);
          }
          return null;
        }
        if (!view.isConnected) return null;
        status.clear();
      }

      const pw = passwordFields(ctx, { legend: t(legendKey) });
      const more = extra ? extra(ctx) : null;
      const submit = h('button', { type: 'submit', class: 'primary' }, t(submitKey));
      const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'page-title' },
        h('p', { class: 'account' }, t('activation.for', { identifier: link.identifier })),
        pw.fieldset,
        more ? more.fieldset : null,
        h('div', { class: 'actions' }, submit));
      view.append(form);

      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        alert.clear();
        const faulty = pw.check() || (more && more.check());
        if (faulty) {
          alert.show(t('common.fixErrors'), [...form.querySelectorAll('.field-error')]
            .map((e) => e.textContent).filter(Boolean));
          faulty.focus();
          return;
        }
        submit.disabled = true;
        try {
          const r = await send(ctx, { token: link.token, password: pw.value, ...(more ? more.values() : {}) });
          held = null;
          pw.clear();
          if (purpose === 'password' && ctx.session) ctx.setLoggedOut(); // the reset ended every session
          ctx.prefillIdentifier = r.identifier || link.identifier;
          ctx.navigate('/', { notice: { kind: 'success', key: notice } });
        } catch (e) {
          if (e && e.error === 'weak_password' && e.body && e.body.classes) {
            pw.applyServerClasses(e.body.classes);
            alert.show(ctx.errorText(e));
          } else if (e && ['bad_token', 'token_used', 'token_expired', 'already_active'].includes(e.error)) {
            form.remove();
            dead(e.error);
          } else {
            showError(ctx, alert, e);
          }
        } finally {
          submit.disabled = false;
        }
      });
      return null;
    },
  };
}
