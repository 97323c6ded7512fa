// "/reassort": the vote code's re-issue ("réassort", issue 5; docs/api.md,
// POST /api/v1/code/reissue-link and /api/v1/code/reissue).
//
// Without a fragment (logged in): the voter answers their challenge
// question, gives their NUMEN or the first 10 digits of their social-security
// number, and chooses where the single-use link goes (a text message to the
// phone on file, or a personal e-mail other than the identifier); the
// request carries a proof of work of purpose "reissue".
//
// Back from the FranceConnect route (?sent=email&to=..., ?error=...): its
// outcome.
//
// With #TOKEN (the link, opened on any device, logged in or not): after the
// voter presses "Régénérer mon code de vote", the booth's WebAssembly module
// makes the new code (regenerateCode) and only its public credential goes to
// the server with the token. The code itself stays in the module, which
// hands it out (revealCode) only during the 120 seconds after it was made,
// by its own clock. The page reads it from the module once a second to put
// it on screen and keeps no copy: when the module says code_expired, or the
// countdown reaches 0, or the voter leaves the page or says they have noted
// it, the code's text is removed from the page. The page's state is on the
// view as data-reissue (ready, working, shown, gone, failed) for tests.
import { h, replace } from '../dom.js';
import { alertBox, field, showError, statusBox } from '../forms.js';
import { withPow } from '../pow.js';
import { checkNir, checkNumen, checkPersonalEmail, cleanToken, codeGroups, formatClock, formatSecondsWords,
  reissueOutcome, wholeSeconds } from '../rules.js';

const PATH = '/reassort';

// The link read from the fragment, kept in memory for this history entry
// only (a language switch keeps it, a reload forgets it), as the activation
// and password pages do (token.js).
let held = null; // {token, entry, phase, reason}
let entries = 0;

function takeLink() {
  if (location.hash.length > 1) {
    entries += 1;
    held = { token: cleanToken(location.hash), entry: entries, phase: 'ready', reason: '' };
    history.replaceState({ reissueEntry: entries }, '', location.pathname + location.search);
    return held;
  }
  const state = history.state;
  if (held && state && state.reissueEntry === held.entry) return held;
  return null;
}

let boothPromise = null;

function loadBoothOnce() {
  if (!boothPromise) {
    boothPromise = import('/booth/index.js').then((m) => m.loadBooth());
    boothPromise.catch(() => { boothPromise = null; });
  }
  return boothPromise;
}

// The FranceConnect route (server/src/http/http_oidc.cpp) comes back here with
// its outcome in the query: ?sent=email&to=j***@example.net, or ?error=REASON.
// The query stays in the address (nothing secret: the address is masked),
// so a reload says the same again.
// Only a masked address is shown from it (rules.js, reissueOutcome): any
// other text in the query is the link author's, not the server's.
function takeOutcome() {
  return reissueOutcome(location.search);
}

function sentCard(ctx, text) {
  const t = ctx.t;
  const done = h('div', { class: 'status status-success shown reissue-sent', role: 'status', tabindex: '-1' },
    h('p', {}, text),
    h('p', {}, t('reissue.sentNext')));
  return [done, h('p', { class: 'actions' }, h('a', { href: '/', class: 'button secondary' }, t('common.back')))];
}

// --- asking for a link (logged in) ---------------------------------------------

/** A pair of radio buttons in a fieldset: {fieldset, value(), inputs, onChange(fn)}. */
function choice(ctx, { legend, name, options, checked }) {
  const inputs = options.map(([value, label, hint]) => {
    const id = `${name}-${value}`;
    const input = h('input', { type: 'radio', name, id, value, checked: value === checked });
    return { value, input, row: h('div', { class: 'check' }, input, h('label', { for: id }, label,
      hint ? h('span', { class: 'check-hint' }, hint) : null)) };
  });
  return {
    fieldset: h('fieldset', { class: 'choice' }, h('legend', {}, legend), inputs.map((i) => i.row)),
    inputs,
    value: () => (inputs.find((i) => i.input.checked) || inputs[0]).value,
    onChange(fn) {
      for (const i of inputs) i.input.addEventListener('change', fn);
    },
  };
}

async function requestPage(ctx, view) {
  const t = ctx.t;
  const alert = alertBox();
  const back = takeOutcome();
  if (back && back.sent) {
    view.append(...sentCard(ctx, back.to ? t('reissue.sentTo', { to: back.to }) : t('reissue.sentYourEmail')));
    return;
  }
  const loading = h('p', { class: 'loading' }, t('common.loading'));
  view.append(loading);
  let me;
  try {
    me = await ctx.api.me();
  } catch (e) {
    loading.remove();
    view.append(alert.el);
    showError(ctx, alert, e);
    return;
  }
  if (!view.isConnected) return;
  loading.remove();

  const answer = field(ctx, {
    label: t('reissue.answer'), required: true, hint: t('reissue.answerHint'),
    attrs: { type: 'text', name: 'answer', autocomplete: 'off', maxlength: '100', spellcheck: 'false' },
  });
  // The question itself, above the field and read with it.
  const question = h('p', { class: 'question', id: `${answer.input.id}-question` },
    me.question ? t('reissue.question', { question: me.question }) : t('reissue.noQuestion'));
  answer.row.querySelector('label').after(question);
  answer.input.setAttribute('aria-describedby', `${question.id} ${answer.input.getAttribute('aria-describedby')}`);
  const kind = choice(ctx, {
    legend: t('reissue.idLegend'), name: 'reissue-id', checked: 'numen',
    options: [['numen', t('reissue.byNumen')], ['nir', t('reissue.byNir')]],
  });
  const numen = field(ctx, {
    label: t('reissue.numen'), hint: t('reissue.numenHint'), required: true,
    attrs: { type: 'text', name: 'numen', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters',
      maxlength: '20', class: 'mono' },
  });
  const nir = field(ctx, {
    label: t('reissue.nir'), hint: t('reissue.nirHint'), required: true,
    attrs: { type: 'text', name: 'nir', autocomplete: 'off', inputmode: 'numeric', spellcheck: 'false',
      maxlength: '20', class: 'mono' },
  });
  const channel = choice(ctx, {
    legend: t('reissue.channelLegend'), name: 'reissue-channel', checked: 'sms',
    options: [['sms', t('reissue.bySms'), t('reissue.bySmsHint')], ['email', t('reissue.byEmail')]],
  });
  const email = field(ctx, {
    label: t('reissue.email'), hint: t('reissue.emailHint', { identifier: me.identifier }), required: true,
    attrs: { type: 'email', name: 'email', autocomplete: 'email', spellcheck: 'false', autocapitalize: 'none',
      maxlength: '254' },
  });
  const showChoices = () => {
    numen.row.hidden = kind.value() !== 'numen';
    nir.row.hidden = kind.value() !== 'nir';
    email.row.hidden = channel.value() !== 'email';
  };
  kind.onChange(showChoices);
  channel.onChange(showChoices);
  showChoices();
  kind.fieldset.append(numen.row, nir.row);
  channel.fieldset.append(email.row);

  // The NUMEN is upper case: what is typed is upper-cased at once (the caret stays put).
  numen.input.addEventListener('input', () => {
    const { value, selectionStart: a, selectionEnd: b } = numen.input;
    const upper = value.toUpperCase();
    if (upper !== value) {
      numen.input.value = upper;
      if (upper.length === value.length) numen.input.setSelectionRange(a, b);
    }
    numen.setError('');
  });
  answer.input.addEventListener('input', () => answer.setError(''));
  nir.input.addEventListener('input', () => nir.setError(''));
  email.input.addEventListener('input', () => email.setError(''));
  // The form is checked when sent (not when a field is left: a message
  // appearing above a field would move the button under the pointer).
  const checks = {
    numen: () => checkNumen(numen.input.value),
    nir: () => checkNir(nir.input.value),
    email: () => checkPersonalEmail(email.input.value, me.identifier),
  };
  const fields = { numen, nir, email };
  const say = (name, r) => fields[name].setError(r.error ? t(r.error, { count: r.count }) : '');

  const progress = statusBox('info');
  const submit = h('button', { type: 'submit', class: 'primary' }, t('reissue.submit'));
  const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'page-title' },
    alert.el,
    h('fieldset', {}, h('legend', {}, t('reissue.identityLegend')), answer.row, kind.fieldset),
    channel.fieldset,
    h('div', { class: 'actions' }, submit),
    progress.el);
  if (back && back.error) {
    alert.show(ctx.errorText({ error: back.error }));
  }
  view.append(
    h('p', { class: 'lead' }, t('reissue.intro')),
    h('ol', { class: 'steps' }, h('li', {}, t('reissue.step1')), h('li', {}, t('reissue.step2')),
      h('li', {}, t('reissue.step3'))),
    form);
  offerFranceConnect(ctx, view);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    alert.clear();
    const faulty = [];
    const answerText = answer.input.value;
    answer.setError(answerText.trim() ? '' : t('common.fieldRequired'));
    if (!answerText.trim()) faulty.push(answer.input);
    const idName = kind.value();
    const id = checks[idName]();
    say(idName, id);
    if (id.error) faulty.push(fields[idName].input);
    const via = channel.value();
    let to = null;
    if (via === 'email') {
      to = checks.email();
      say('email', to);
      if (to.error) faulty.push(email.input);
    }
    if (faulty.length) {
      alert.show(t('common.fixErrors'), [...form.querySelectorAll('.field:not([hidden]) .field-error')]
        .map((e) => e.textContent).filter(Boolean));
      faulty[0].focus();
      return;
    }
    if (idName === 'numen') numen.input.value = id.value;
    submit.disabled = true;
    try {
      const sent = await withPow(ctx, 'reissue', progress, (pow) => ctx.api.requestReissueLink({
        answer: answerText, [idName]: id.value, channel: via, email: to ? to.value : undefined,
      }, pow));
      answer.input.value = '';
      const card = sentCard(ctx,
        t('reissue.sent', { to: sent.to, minutes: Math.max(1, Math.round(sent.expires_in / 60)) }));
      form.replaceWith(...card);
      card[0].focus();
    } catch (e) {
      showError(ctx, alert, e);
      const back = { bad_numen: numen, bad_nir: nir, bad_email: email, same_email: email }[e && e.error];
      if (back) {
        back.setError(ctx.errorText(e));
        back.input.focus();
      } else if (e && e.error === 'no_phone') {
        channel.inputs[1].input.focus();
      } else if (e && e.error === 'reissue_refused') {
        answer.input.focus();
      }
    } finally {
      submit.disabled = false;
    }
  });
}

// The other way to prove who one is, when the server has an identity
// provider: a plain link (a browser navigation), since the provider's pages
// and the way back are navigations too (server/src/http/http_oidc.cpp).
async function offerFranceConnect(ctx, view) {
  const t = ctx.t;
  let options;
  try {
    options = await ctx.api.reissueOptions();
  } catch {
    return; // no offer is no loss: the form above works on its own
  }
  if (!options.franceconnect || !view.isConnected) return;
  view.append(h('section', { class: 'card franceconnect', 'aria-labelledby': 'fc-title' },
    h('h2', { id: 'fc-title' }, t('reissue.fcTitle')),
    h('p', {}, t('reissue.fcText')),
    h('a', { class: 'button', href: options.start }, t('reissue.fcButton'))));
}

// --- the link's page: make the new code and show it for 120 seconds -------------

function linkPage(ctx, view, link) {
  const t = (...args) => ctx.t(...args); // the current language, after a switch too
  let timer = null;
  let booth = null;
  // The elements the countdown updates; redrawn by a language switch.
  let ui = null;
  // Start loading the module and the manifest now: the button's work is then quick.
  const ready = Promise.all([loadBoothOnce(), ctx.manifest()]);
  ready.catch(() => {});

  const setPhase = (phase) => {
    link.phase = phase;
    view.dataset.reissue = phase;
  };
  const stop = () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };

  const failed = () => {
    const alert = alertBox();
    alert.show(ctx.errorText({ error: link.reason }));
    // Another voter's session: the link was not used, it still works for its owner.
    const foreign = link.reason === 'foreign_token';
    replace(view, alert.el,
      h('p', {}, t(foreign ? 'reissue.foreignHint' : 'reissue.failedHint')),
      h('p', { class: 'actions' },
        foreign ? null : h('a', { href: PATH, class: 'button' }, t('reissue.again')),
        h('a', { href: '/', class: foreign ? 'button' : 'button secondary' }, t('common.back'))));
  };

  const gone = () => {
    const status = h('div', { class: 'status status-info shown reissue-gone', role: 'status', tabindex: '-1' },
      h('p', { class: 'gone-title' }, t('reissue.gone')),
      h('p', {}, t('reissue.goneHint')));
    replace(view, status,
      h('p', { class: 'actions' },
        h('a', { href: '/vote', class: 'button' }, t('reissue.goVote')),
        h('a', { href: PATH, class: 'button secondary' }, t('reissue.again'))));
    return status;
  };

  // The code's place on screen: its four groups, the countdown (a timer:
  // not announced each second), a bar, and the buttons.
  const shown = () => {
    const groups = h('span', { class: 'code-groups' });
    const code = h('p', { class: 'code-display', id: 'new-code', 'aria-describedby': 'new-code-help' }, groups);
    const clock = h('span', { class: 'clock', 'aria-hidden': 'true' });
    const words = h('span', { class: 'visually-hidden' });
    const timerEl = h('p', { class: 'countdown', role: 'timer' }, t('reissue.left'), ' ', clock, words);
    const fill = h('span', { class: 'code-bar-fill' });
    const bar = h('span', { class: 'code-bar', 'aria-hidden': 'true' }, fill);
    const announce = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
    const copied = statusBox('success');
    const copy = h('button', { type: 'button', class: 'secondary', id: 'copy-code' }, t('reissue.copy'));
    const noted = h('button', { type: 'button', class: 'primary', id: 'forget-code' }, t('reissue.noted'));
    copy.addEventListener('click', async () => {
      copied.clear();
      try {
        // Read from the module at the moment of copying: the page holds no copy.
        await navigator.clipboard.writeText(booth.revealCode().code);
        copied.show(t('reissue.copied'));
      } catch (e) {
        if (e && e.reason === 'code_expired') tick();
        else copied.show(t('reissue.copyFailed'));
      }
    });
    noted.addEventListener('click', () => {
      booth.forgetCode();
      stop();
      setPhase('gone');
      gone().focus();
    });
    const title = h('h2', { id: 'new-code-title', tabindex: '-1' }, t('reissue.codeTitle'));
    replace(view,
      h('section', { class: 'card code-card', 'aria-labelledby': 'new-code-title' },
        title,
        h('p', {}, t('reissue.codeIntro')),
        code,
        h('p', { class: 'hint', id: 'new-code-help' }, t('reissue.codeHelp')),
        timerEl, bar, announce,
        h('div', { class: 'actions' }, copy, noted),
        h('p', { class: 'hint clipboard-note' }, t('reissue.clipboardNote')),
        copied.el));
    ui = { groups, clock, words, fill, announce, said: new Set(), title };
  };

  // Once a second: the code from the module, or its removal.
  function tick() {
    if (!view.isConnected) {
      // The voter has left the page: the code goes now, not in two minutes.
      stop();
      if (booth && link.phase === 'shown') booth.forgetCode();
      if (link.phase === 'shown') link.phase = 'gone';
      return;
    }
    if (link.phase !== 'shown' || !ui) return stop();
    let left = 0;
    try {
      const r = booth.revealCode();
      left = wholeSeconds(r.remaining);
      if (left > 0) {
        // Two pairs of groups, so that a narrow screen breaks it 2 + 2.
        const g = codeGroups(r.code);
        const group = (text) => h('span', { class: 'code-group' }, text);
        replace(ui.groups,
          h('span', { class: 'code-pair' }, group(g[0]), ' ', group(g[1])), ' ',
          h('span', { class: 'code-pair' }, group(g[2]), ' ', group(g[3])));
      }
    } catch {
      left = 0; // code_expired: the module has wiped it
    }
    if (left <= 0) {
      replace(ui.groups); // the code's text leaves the page
      stop();
      setPhase('gone');
      ui = null;
      const hadFocus = view.contains(document.activeElement);
      const status = gone();
      if (hadFocus) status.focus(); // the focused button is gone with the code
      return;
    }
    ui.clock.textContent = formatClock(left);
    ui.words.textContent = formatSecondsWords(left, ctx.lang);
    ui.fill.style.width = `${Math.round((left / 120) * 100)}%`;
    for (const mark of [60, 30, 10]) {
      if (left <= mark && !ui.said.has(mark)) {
        ui.said.add(mark);
        if (left > mark - 2) ui.announce.textContent = t('reissue.leftSoon', { time: formatSecondsWords(mark, ctx.lang) });
      }
    }
  }

  const readyPage = () => {
    const alert = alertBox();
    const progress = statusBox('info');
    const button = h('button', { type: 'button', class: 'primary big', id: 'regenerate' }, t('reissue.regenerate'));
    replace(view,
      h('p', { class: 'lead' }, t('reissue.linkIntro')),
      h('section', { class: 'card', 'aria-labelledby': 'before-title' },
        h('h2', { id: 'before-title' }, t('reissue.beforeTitle')),
        h('ul', { class: 'before' },
          h('li', {}, t('reissue.before1')),
          h('li', {}, t('reissue.before2')),
          h('li', {}, t('reissue.before3'))),
        alert.el,
        h('div', { class: 'actions' }, button),
        progress.el));
    button.addEventListener('click', async () => {
      if (link.phase === 'working') return;
      alert.clear();
      button.disabled = true;
      setPhase('working');
      progress.show(t('reissue.making'));
      let manifest;
      try {
        [booth, manifest] = await ready.catch(() => Promise.all([loadBoothOnce(), ctx.manifest()]));
      } catch {
        progress.clear();
        setPhase('ready');
        alert.show(t('verify.boothFailed'));
        button.disabled = false;
        return;
      }
      try {
        const credential = booth.regenerateCode(manifest.json.id);
        await ctx.api.reissueCode(link.token, credential);
      } catch (e) {
        if (booth) booth.forgetCode(); // the server did not take it: this code is nobody's
        progress.clear();
        if (e && e.status >= 400 && e.status < 500 && e.error !== 'too_many_attempts') {
          link.reason = e.error;
          link.token = null;
          setPhase('failed');
          if (view.isConnected) failed();
        } else {
          setPhase('ready');
          showError(ctx, alert, e);
          button.disabled = false;
        }
        return;
      }
      link.token = null; // used up
      setPhase('shown');
      if (ctx.session) ctx.loadMe(); // this device's record of the credential is stale
      if (!view.isConnected) return tick();
      shown();
      tick();
      timer = setInterval(tick, 1000);
      ui.title.focus();
    });
  };

  const draw = () => {
    view.dataset.reissue = link.phase;
    if (!link.token && link.phase === 'ready') {
      link.reason = 'bad_token';
      setPhase('failed');
    }
    if (link.phase === 'failed') return failed();
    if (link.phase === 'gone') return gone();
    if (link.phase === 'shown') {
      // Back on this page (a language switch): the module says whether the code is still to be shown.
      if (!booth) {
        setPhase('gone');
        return gone();
      }
      shown();
      tick();
      if (timer === null && link.phase === 'shown') timer = setInterval(tick, 1000);
      return null;
    }
    link.phase = 'ready';
    return readyPage();
  };
  draw();
  return {
    relang() {
      const heading = document.getElementById('page-title');
      if (heading) heading.textContent = ctx.t('reissue.title');
      // Mid-request the view stays as it is: the answer redraws it.
      if (link.phase !== 'working') draw();
    },
  };
}

export default {
  title: (t) => t('reissue.title'),
  // Asking for a link needs a login; opening one, or reading where the
  // FranceConnect route sent it, does not.
  needsLogin: () => !takeLink() && !(takeOutcome() || {}).sent,
  async render(ctx, view) {
    const link = takeLink();
    if (link) return linkPage(ctx, view, link);
    await requestPage(ctx, view);
    return null;
  },
};
