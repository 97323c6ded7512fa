// The portal's form parts: labelled fields with their hint and error tied by
// aria-describedby, alert and status regions, the password pair with its
// live rule checklist, the login form and the "send me a link" form.
import { h, replace, uid } from './dom.js';
import { withPow } from './pow.js';
import { PASSWORD_RULES, passwordClasses, passwordOk } from './rules.js';

/**
 * A labelled input (or select/textarea with `tag`): {row, input, setError(text)}.
 * The hint and the error are read with the field (aria-describedby).
 */
export function field(ctx, { label, tag = 'input', hint = '', required = false, attrs = {}, children = [] }) {
  const id = uid(attrs.name || tag);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const input = h(tag, { id, required, 'aria-describedby': [hint ? hintId : '', errorId].filter(Boolean).join(' '), ...attrs }, children);
  const error = h('p', { id: errorId, class: 'field-error' });
  const row = h('div', { class: 'field' },
    h('label', { for: id }, label, required ? h('span', { class: 'required' }, ' ', ctx.t('common.required')) : null),
    hint ? h('p', { id: hintId, class: 'hint' }, hint) : null,
    error,
    input);
  return {
    row,
    input,
    setError(text) {
      error.textContent = text || '';
      row.classList.toggle('invalid', Boolean(text));
      if (text) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
  };
}

/** An alert region (errors): present and empty from the start, so that screen readers announce what appears. */
export function alertBox() {
  const el = h('div', { class: 'alert', role: 'alert' });
  return {
    el,
    show(message, items = []) {
      replace(el, message ? h('p', {}, message) : null, items.length ? h('ul', {}, items.map((i) => h('li', {}, i))) : null);
      el.classList.toggle('shown', Boolean(message || items.length));
    },
    clear() {
      replace(el);
      el.classList.remove('shown');
    },
  };
}

/** A status region (progress, success): polite announcements. */
export function statusBox(kind = 'info') {
  const el = h('div', { class: `status status-${kind}`, role: 'status' });
  return {
    el,
    show(...children) {
      replace(el, children.map((c) => (typeof c === 'string' ? h('p', {}, c) : c)));
      el.classList.toggle('shown', children.length > 0);
    },
    clear() {
      replace(el);
      el.classList.remove('shown');
    },
  };
}

/** Shows an ApiError in an alert box (the server's reason in the voter's words); a lost session logs out. */
export function showError(ctx, box, e) {
  if (e && e.error === 'not_logged_in') ctx.setLoggedOut();
  box.show(ctx.errorText(e));
}

/**
 * The password and its confirmation, with the rule checklist updated on
 * every keystroke. A rule's line changes (and is announced, aria-live) only
 * when the rule flips between met and unmet.
 */
export function passwordFields(ctx, { legend }) {
  const t = ctx.t;
  const rulesId = uid('rules');
  const pw = field(ctx, {
    label: t('password.password'), required: true,
    attrs: { type: 'password', name: 'password', autocomplete: 'new-password', maxlength: '128' },
  });
  pw.input.setAttribute('aria-describedby', `${rulesId} ${pw.input.getAttribute('aria-describedby')}`);
  const confirm = field(ctx, {
    label: t('password.confirm'), required: true,
    attrs: { type: 'password', name: 'confirm', autocomplete: 'new-password', maxlength: '128' },
  });
  const items = {};
  const state = {};
  const list = h('ul', { class: 'rules', id: `${rulesId}-list` });
  for (const rule of [...PASSWORD_RULES, 'match']) {
    const mark = h('span', { class: 'mark', 'aria-hidden': 'true' });
    const said = h('span', { class: 'visually-hidden' });
    items[rule] = { li: h('li', { 'data-rule': rule }, mark, ' ', t(`password.rule.${rule}`), ' ', said), mark, said };
    list.append(items[rule].li);
  }
  const live = h('div', { class: 'rules-box', id: rulesId, 'aria-live': 'polite' },
    h('p', { class: 'rules-title' }, t('password.rulesTitle')), list);
  const show = h('input', { type: 'checkbox', id: uid('show'),
    onchange: () => {
      const type = show.checked ? 'text' : 'password';
      pw.input.type = type;
      confirm.input.type = type;
    } });
  const set = (rule, met) => {
    if (state[rule] === met) return;
    state[rule] = met;
    const it = items[rule];
    it.li.className = met ? 'met' : 'unmet';
    it.li.setAttribute('data-met', met ? 'true' : 'false');
    it.mark.textContent = met ? '✓' : '✗';
    it.said.textContent = `(${t(met ? 'password.met' : 'password.unmet')})`;
  };
  const update = (classes = passwordClasses(pw.input.value)) => {
    for (const rule of PASSWORD_RULES) set(rule, classes[rule] === true);
    set('match', pw.input.value !== '' && pw.input.value === confirm.input.value);
  };
  pw.input.addEventListener('input', () => { pw.setError(''); update(); });
  confirm.input.addEventListener('input', () => { confirm.setError(''); update(); });
  update();
  const fieldset = h('fieldset', {},
    h('legend', {}, legend),
    live,
    pw.row,
    confirm.row,
    h('div', { class: 'check' }, show, h('label', { for: show.id }, t('common.showPassword'))));
  return {
    fieldset,
    get value() { return pw.input.value; },
    /** The client-side check: field errors set, the first faulty input returned (or null). */
    check() {
      const classes = passwordClasses(pw.input.value);
      update(classes);
      pw.setError(passwordOk(classes) ? '' : t('password.weak'));
      confirm.setError(confirm.input.value === pw.input.value ? '' : t('password.mismatch'));
      if (!passwordOk(classes)) return pw.input;
      if (confirm.input.value !== pw.input.value) return confirm.input;
      return null;
    },
    /** The server's verdict (weak_password's `classes`) shown on the checklist. */
    applyServerClasses(classes) {
      for (const rule of PASSWORD_RULES) set(rule, classes[rule] === true);
      pw.setError(t('password.weak'));
      pw.input.focus();
    },
    clear() {
      pw.input.value = '';
      confirm.input.value = '';
      update();
    },
  };
}

/** A plausible e-mail address (the server decides; this only catches typos early). */
export function looksLikeEmail(text) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text);
}

/** The identifier field, checked before anything is sent. */
export function identifierField(ctx, value = '') {
  const f = field(ctx, {
    label: ctx.t('common.identifier'), hint: ctx.t('common.identifierHint'), required: true,
    attrs: { type: 'email', name: 'identifier', autocomplete: 'username', spellcheck: 'false',
      autocapitalize: 'none', maxlength: '254', value },
  });
  f.check = () => {
    const v = f.input.value.trim();
    f.setError(!v ? ctx.t('common.fieldRequired') : looksLikeEmail(v) ? '' : ctx.t('common.identifierInvalid'));
    return v && looksLikeEmail(v) ? v : null;
  };
  return f;
}

/** The login form; `onSuccess(session)` after a successful login. */
export function loginForm(ctx, { identifier = '', onSuccess }) {
  const t = ctx.t;
  const alert = alertBox();
  const status = statusBox();
  const id = identifierField(ctx, identifier);
  const pw = field(ctx, {
    label: t('home.password'), required: true,
    attrs: { type: 'password', name: 'password', autocomplete: 'current-password', maxlength: '128' },
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('home.login'));
  const form = h('form', { class: 'card form', novalidate: true, 'aria-label': t('home.title') },
    alert.el, id.row, pw.row, h('div', { class: 'actions' }, submit), status.el);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    alert.clear();
    const identifierValue = id.check();
    pw.setError(pw.input.value ? '' : t('common.fieldRequired'));
    if (!identifierValue) return id.input.focus();
    if (!pw.input.value) return pw.input.focus();
    submit.disabled = true;
    try {
      // The proof of work first (its own discreet line), then the login.
      const session = await withPow(ctx, 'login', status, (pow) => {
        status.show(t('home.loggingIn'));
        return ctx.api.login(identifierValue, pw.input.value, pow);
      });
      pw.input.value = '';
      status.clear();
      await ctx.setLoggedIn(session);
      onSuccess(session);
    } catch (e) {
      status.clear();
      showError(ctx, alert, e);
      pw.input.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return { form, focus: () => (id.input.value ? pw.input : id.input).focus() };
}

/**
 * "Send me a link": the identifier, then the server's neutral answer (202
 * whatever the address). `send(identifier, pow)` gets a solved proof of work
 * of purpose 'link'.
 */
export function linkRequestForm(ctx, { intro, submitLabel, sentText, send }) {
  const alert = alertBox();
  const status = statusBox('success');
  const progress = statusBox('info');
  const id = identifierField(ctx);
  const submit = h('button', { type: 'submit', class: 'primary' }, submitLabel);
  const form = h('form', { class: 'card form', novalidate: true, 'aria-label': submitLabel },
    h('p', {}, intro), alert.el, id.row, h('div', { class: 'actions' }, submit), progress.el);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    alert.clear();
    status.clear();
    const identifier = id.check();
    if (!identifier) return id.input.focus();
    submit.disabled = true;
    try {
      await withPow(ctx, 'link', progress, (pow) => send(identifier, pow));
      status.show(sentText);
    } catch (e) {
      showError(ctx, alert, e);
    } finally {
      submit.disabled = false;
    }
  });
  return h('div', {}, form, status.el);
}
