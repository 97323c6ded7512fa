// <isoloir-booth>: the voting booth as a custom element, for the portal's
// /vote page and for any integrator's page (docs/booth-ui.md, "The widget").
//
//   <script type="module" src="/booth/widget.js"></script>
//   <isoloir-booth server="" election="ELECTION_HASH" lang="fr"></isoloir-booth>
//
// Attributes: `server` (the server's origin, '' for the page's own),
// `election` (the expected election hash: any other manifest raises an
// alarm and nothing runs), `lang` ('fr' default, or 'en'; may change at any
// time) and `login-href` (optional: without a session, show a link to this
// login page instead of the widget's own small login form; the portal sets
// it to "/"). Events (bubbling, composed): `isoloir-cast` {scrutin,
// reference} after each vote, `isoloir-error` {reason} on each refusal or
// alarm shown.
//
// Steps: 0 login, 1 code, 2 scrutin list, 3 ballot then confirmation,
// 4 vote, 5 receipt; one render method per view below. The CSP the pages run
// under (no inline style or script, no eval) shapes the code: every node is
// built with createElement and textContent (manifest and server texts are
// untrusted), styles come from widget.css through a <link>. The element
// renders in the light DOM, under class names prefixed `ib-`: integrators
// can restyle it, and axe-core sees inside.
//
// The vote code lives in one private field (#code) only while the voter
// votes; it is forgotten when every scrutin is voted, on "Quitter", logout,
// an expired session, after 15 minutes without activity, and when the
// element leaves the page.
import { loadBooth } from './index.js';
import { IsoloirApi } from './api.js';
import { formatDateTime, makeTranslator, pickLanguage, reasonMessage } from './i18n.js';
import {
  CodeHolder, STRINGS, TICK_MS, checkCast, checkChoice, checkCode, checkEmargement, clockOffset,
  externalLink, logoSource, reasonOf, receiptFileName, scrutinStatuses, statusText,
} from './widget-logic.js';

// Resolved against this module, so it follows the widget wherever it is
// served or bundled (Vite copies the file as an asset).
const STYLESHEET = new URL('./widget.css', import.meta.url).href;

const TOTAL_STEPS = 5;
const STEP_OF_VIEW = { code: 1, list: 2, ballot: 3, confirm: 3, voting: 4, receipt: 5 };
const STEP_KEYS = ['step_code', 'step_list', 'step_ballot', 'step_vote', 'step_receipt'];
// Views that need the code: when it expires there, the voter goes back to step 1.
const CODE_VIEWS = new Set(['list', 'ballot', 'confirm']);

let uid = 0;
const newId = (what) => `ib-${what}-${++uid}`;

/**
 * A DOM node: `el('p', {className, text, attrs: {...}, on: {click}}, [children])`.
 * Text goes through textContent and attributes through setAttribute, never
 * through HTML parsing.
 */
function el(tag, { className, text, attrs, on } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === true) node.setAttribute(name, '');
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
  }
  for (const [event, fn] of Object.entries(on || {})) node.addEventListener(event, fn);
  for (const child of children) if (child) node.append(child);
  return node;
}

function button(text, onClick, { secondary = false, type = 'button', extra } = {}) {
  const b = el('button', {
    className: secondary ? 'ib-button ib-button--secondary' : 'ib-button',
    attrs: { type },
    on: onClick ? { click: onClick } : undefined,
  }, [text]);
  if (extra) b.append(el('span', { className: 'ib-sr-only', text: ` ${extra}` }));
  return b;
}

const nextFrame = () => new Promise((resolve) => setTimeout(resolve, 30));

// Importing the module where there is no DOM (server-side rendering, Node
// tests) defines nothing and does not throw.
const Base = globalThis.HTMLElement || class {};

export class IsoloirBoothElement extends Base {
  static get observedAttributes() {
    return ['lang'];
  }

  #code = new CodeHolder(); // the vote code: nowhere else
  #api = null;
  #booth = null;
  #manifestText = '';
  #manifest = null;
  #me = null;
  #scrutins = null; // {answer, offset}: GET /me/scrutins and the server's clock offset
  #view = { name: 'loading', params: {} };
  #selection = new Set(); // option ids of the ballot being made
  #activated = false; // "Je veux voter..." pressed for this ballot
  #receipt = null; // the last cast's answer and checks, dropped on leaving step 5
  #busy = false;
  #timer = 0;
  #generation = 0; // bumped on disconnect: late answers of a former life are ignored
  #main = null;
  #slot = null; // the current view's aria-live message region
  #statusNodes = new Map(); // scrutin id -> {badge, when}, for the 30 s countdown update

  #onActivity = () => this.#code.touch();
  #onPageHide = () => this.#forgetCode();

  connectedCallback() {
    this.#generation++;
    if (!this.#main) {
      this.classList.add('ib');
      this.#main = el('div', { className: 'ib-main' });
      this.replaceChildren(el('link', { attrs: { rel: 'stylesheet', href: STYLESHEET } }), this.#main);
    }
    for (const type of ['keydown', 'pointerdown', 'input', 'focusin']) this.addEventListener(type, this.#onActivity);
    window.addEventListener('pagehide', this.#onPageHide);
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#start(this.#generation);
  }

  disconnectedCallback() {
    this.#generation++;
    clearInterval(this.#timer);
    for (const type of ['keydown', 'pointerdown', 'input', 'focusin']) this.removeEventListener(type, this.#onActivity);
    window.removeEventListener('pagehide', this.#onPageHide);
    this.#forgetCode(); // leaving the page's flow
    this.#receipt = null;
  }

  attributeChangedCallback(name, before, after) {
    // A new language draws the current view again, with what the voter typed
    // (the choice, the activation and the code are kept in fields already).
    if (name === 'lang' && before !== after && this.#main && this.#view.name !== 'voting') {
      const typed = [...this.#main.querySelectorAll('input[name]:not([type=radio]):not([type=checkbox])')]
        .map((input) => [input.name, input.value]);
      this.#go(this.#view.name, { ...this.#view.params, notice: undefined }, { focus: false });
      for (const [field, value] of typed) {
        const input = this.#main.querySelector(`input[name="${field}"]`);
        if (input) input.value = value;
      }
    }
  }

  /** Whether a vote code is held now (never the code itself). */
  get codeHeld() {
    return this.#code.held;
  }

  get #lang() {
    return pickLanguage(this.getAttribute('lang'));
  }

  get #t() {
    return makeTranslator(STRINGS, this.#lang);
  }

  // --- the flow ---------------------------------------------------------------

  // Loads the module and the manifest, then enters. `focus` is false when
  // the element appears, true when the voter asked to try again.
  async #start(generation, { focus = false } = {}) {
    this.#go('loading', {}, { focus });
    try {
      this.#api = new IsoloirApi(this.getAttribute('server') || '');
      const [booth, manifestText] = await Promise.all([loadBooth(), this.#api.manifest()]);
      if (generation !== this.#generation) return;
      this.#booth = booth;
      this.#manifestText = manifestText;
      this.#manifest = JSON.parse(manifestText);
      const expected = this.getAttribute('election');
      if (expected && booth.electionHash(manifestText) !== expected) {
        this.#go('fatal', { alarm: this.#t('alarm_election') }, { focus: false });
        this.#emitError('wrong_election');
        return;
      }
    } catch (e) {
      if (generation !== this.#generation) return;
      const reason = reasonOf(e);
      this.#go('fatal', { message: this.#t('load_failed', { reason }) }, { focus });
      this.#emitError(reason);
      return;
    }
    await this.#enter({ focus });
  }

  // After loading or logging in: who is the voter, which scrutins, then the
  // code (step 1) if something can be voted, else straight to the list.
  async #enter({ focus = true, notice } = {}) {
    const generation = this.#generation;
    try {
      await this.#api.session();
      const [me, answer] = await Promise.all([this.#api.me(), this.#api.myScrutins()]);
      if (generation !== this.#generation) return;
      this.#me = me;
      this.#setScrutins(answer);
    } catch (e) {
      if (generation !== this.#generation) return;
      if (e.status === 401) {
        this.#go('login', {}, { focus });
        return;
      }
      this.#go('fatal', { message: reasonMessage(this.#lang, reasonOf(e), e.retryAfter) }, { focus });
      this.#emitError(reasonOf(e));
      return;
    }
    const votable = this.#statuses().some((s) => s.status === 'open');
    this.#go(votable && !this.#code.held ? 'code' : 'list', { notice }, { focus });
  }

  #setScrutins(answer) {
    this.#scrutins = { answer, offset: clockOffset(answer.now, Date.now()) };
  }

  #statuses() {
    return this.#scrutins ? scrutinStatuses(this.#scrutins.answer, this.#scrutins.offset, Date.now()) : [];
  }

  async #refreshScrutins() {
    this.#setScrutins(await this.#api.myScrutins());
  }

  #forgetCode() {
    this.#code.clear();
    this.#selection.clear();
    this.#activated = false;
    for (const input of this.querySelectorAll('input.ib-code-input')) input.value = '';
  }

  // Every 30 s: the idle check, then the countdowns.
  #tick() {
    if (this.#code.expireIfIdle()) {
      this.#forgetCode();
      if (CODE_VIEWS.has(this.#view.name)) {
        this.#go('code', { notice: this.#t('idle_cleared'), noticeKind: 'info' });
        return;
      }
    } else if (this.#code.idle()) {
      this.#forgetCode(); // a code typed but never confirmed leaves the field too
    }
    if (this.#view.name === 'list') this.#updateCountdowns();
  }

  #updateCountdowns() {
    const statuses = this.#statuses();
    // A window that opened or closed since the list was drawn changes its
    // buttons: draw it again, keeping the focus where it was.
    const changed = statuses.some((s) => this.#statusNodes.get(s.id)?.status !== s.status);
    if (changed) {
      const focusKey = document.activeElement?.closest?.('[data-scrutin]')?.getAttribute('data-scrutin');
      this.#go('list', {}, { focus: false });
      if (focusKey) this.querySelector(`[data-scrutin="${CSS.escape(focusKey)}"] button`)?.focus();
      return;
    }
    for (const s of statuses) {
      const nodes = this.#statusNodes.get(s.id);
      if (nodes) nodes.when.textContent = statusText(s, this.#lang, this.#t).when;
    }
  }

  // A refusal met anywhere: an ended session goes back to step 0 (the code
  // is forgotten), anything else is said in the current view.
  #refused(e) {
    const reason = reasonOf(e);
    this.#emitError(reason);
    if (e && e.status === 401) {
      this.#forgetCode();
      this.#go('login', { notice: reasonMessage(this.#lang, 'not_logged_in') });
      return;
    }
    this.#say(reasonMessage(this.#lang, reason, e && e.retryAfter));
  }

  #emitError(reason) {
    this.dispatchEvent(new CustomEvent('isoloir-error', { bubbles: true, composed: true, detail: { reason } }));
  }

  /** Shows `message` in the current view's live region ('error', 'alarm' or 'info'). */
  #say(message, kind = 'error') {
    if (!this.#slot) return;
    this.#slot.className = `ib-message ib-message--${kind}`;
    this.#slot.textContent = message;
  }

  // --- views -------------------------------------------------------------------

  /**
   * Shows view `name`. Focus goes to its heading (screen readers announce
   * the new step), except when the element first appears: an integrator's
   * page keeps its own focus order at load.
   */
  #go(name, params = {}, { focus = true } = {}) {
    if (name !== 'receipt') this.#receipt = null; // the deposit proof is shown once
    this.#view = { name, params };
    this.#statusNodes.clear();
    this.#slot = el('div', { className: 'ib-message', attrs: { 'aria-live': 'assertive', 'aria-atomic': 'true' } });
    const render = {
      loading: () => this.#loadingView(),
      fatal: () => this.#fatalView(params),
      login: () => this.#loginView(),
      code: () => this.#codeView(),
      list: () => this.#listView(),
      ballot: () => this.#ballotView(params),
      confirm: () => this.#confirmView(params),
      voting: () => this.#votingView(params),
      receipt: () => this.#receiptView(),
    }[name];
    const section = el('section', { className: `ib-view ib-view--${name}` }, render());
    this.#main.replaceChildren(section);
    if (params.notice) this.#say(params.notice, params.noticeKind || 'error');
    if (focus) section.querySelector('.ib-title')?.focus();
  }

  // The heading of a view, focusable by script only; the toolbar and the
  // step indicator above it.
  #header(title) {
    const t = this.#t;
    const parts = [];
    if (this.#me && !['login', 'fatal', 'loading'].includes(this.#view.name)) {
      parts.push(el('div', { className: 'ib-toolbar' }, [
        el('span', { className: 'ib-who', text: t('signed_in_as', { name: this.#me.name || this.#me.identifier }) }),
        button(t('logout'), () => this.#logout(), { secondary: true }),
      ]));
    }
    // The steps show while the voter votes: not on a list with nothing to vote.
    const step = STEP_OF_VIEW[this.#view.name];
    if (step && (this.#view.name !== 'list' || this.#code.held)) parts.push(this.#stepper(step));
    parts.push(el('h2', { className: 'ib-title', text: title, attrs: { tabindex: '-1' } }));
    return parts;
  }

  #stepper(current) {
    const t = this.#t;
    return el('ol', { className: 'ib-stepper', attrs: { 'aria-label': t('steps') } },
      STEP_KEYS.map((key, i) => {
        const n = i + 1;
        const state = n < current ? 'done' : n === current ? 'current' : 'todo';
        return el('li', {
          className: `ib-step ib-step--${state}`,
          attrs: { 'aria-current': n === current ? 'step' : undefined },
        }, [el('span', { className: 'ib-sr-only', text: t('step_of', { n, total: TOTAL_STEPS }) }), t(key)]);
      }));
  }

  #loadingView() {
    return [
      el('h2', { className: 'ib-title', text: this.#t('booth'), attrs: { tabindex: '-1' } }),
      el('p', { className: 'ib-loading', text: this.#t('loading'), attrs: { role: 'status' } }),
    ];
  }

  // Nothing can go on: an alarm (wrong election) stays; a failure to load
  // or reach the server may be tried again.
  #fatalView({ alarm, message }) {
    if (alarm) {
      return [...this.#header(this.#t('booth')),
        el('div', { className: 'ib-alarm', attrs: { role: 'alert' } }, [el('p', { text: alarm })])];
    }
    return [
      ...this.#header(this.#t('booth')),
      el('p', { className: 'ib-message ib-message--error', attrs: { role: 'alert' }, text: message }),
      el('div', { className: 'ib-actions' }, [button(this.#t('retry'), () => this.#start(this.#generation, { focus: true }))]),
    ];
  }

  // Step 0: no session. In the portal, a link back to its login page.
  #loginView() {
    const t = this.#t;
    const href = this.getAttribute('login-href');
    if (href !== null) {
      return [...this.#header(t('login_title')), this.#slot, el('p', { text: t('login_portal') }),
        el('p', {}, [el('a', { className: 'ib-link', attrs: { href: href || '/' }, text: t('login_link') })])];
    }
    const idId = newId('identifier');
    const pwId = newId('password');
    const identifier = el('input', {
      className: 'ib-input',
      attrs: { id: idId, name: 'identifier', type: 'email', autocomplete: 'username', required: true },
    });
    const password = el('input', {
      className: 'ib-input',
      attrs: { id: pwId, name: 'password', type: 'password', autocomplete: 'current-password', required: true },
    });
    const submit = button(t('login_submit'), null, { type: 'submit' });
    const form = el('form', { className: 'ib-form' }, [
      el('p', { text: t('login_intro') }),
      el('div', { className: 'ib-field' }, [el('label', { attrs: { for: idId }, text: t('identifier') }), identifier]),
      el('div', { className: 'ib-field' }, [el('label', { attrs: { for: pwId }, text: t('password') }), password]),
      el('div', { className: 'ib-actions' }, [submit]),
    ]);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (this.#busy) return;
      this.#busy = true;
      submit.disabled = true;
      try {
        await this.#login(identifier.value.trim(), password.value);
        password.value = '';
        await this.#enter();
      } catch (e) {
        this.#emitError(reasonOf(e));
        this.#say(reasonMessage(this.#lang, reasonOf(e), e.retryAfter));
        password.focus();
      } finally {
        this.#busy = false;
        submit.disabled = false;
      }
    });
    return [...this.#header(t('login_title')), this.#slot, form];
  }

  // POST /api/v1/session. When the server asks for a proof of work (403
  // pow_required, docs/api.md), the module solves a login challenge and the
  // same login goes again with it: no request is wasted while it is off.
  async #login(identifier, password) {
    try {
      return await this.#api.login(identifier, password);
    } catch (e) {
      if (reasonOf(e) !== 'pow_required') throw e;
    }
    this.#say(this.#t('pow_solving'), 'info');
    const { challenge, difficulty } = await this.#api.json('GET', '/api/v1/pow?purpose=login');
    const nonce = await this.#booth.solvePow(challenge, difficulty);
    const session = await this.#api.json('POST', '/api/v1/session', {
      body: { identifier, password, pow_challenge: challenge, pow_nonce: String(nonce) },
    });
    this.#api.csrf = session.csrf_token;
    return session;
  }

  // Step 1: the code, checked here (form, then credential) before anything
  // else happens; it never leaves the browser.
  #codeView() {
    const t = this.#t;
    const inputId = newId('code');
    const hintId = newId('code-hint');
    const input = el('input', {
      className: 'ib-input ib-code-input',
      attrs: {
        id: inputId, name: 'code', type: 'text', autocomplete: 'off', autocapitalize: 'characters',
        spellcheck: 'false', 'aria-describedby': hintId, maxlength: 64, required: true,
      },
    });
    const form = el('form', { className: 'ib-form' }, [
      el('p', { text: t('code_intro') }),
      el('div', { className: 'ib-field' }, [
        el('label', { attrs: { for: inputId }, text: t('code_label') }),
        el('p', { className: 'ib-hint', attrs: { id: hintId }, text: t('code_hint') }),
        input,
      ]),
      el('div', { className: 'ib-actions' }, [button(t('code_submit'), null, { type: 'submit' })]),
    ]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      let code;
      try {
        code = checkCode(this.#booth, this.#manifest.id, input.value, this.#me && this.#me.credential,
          this.#me && this.#me.revoked_credentials);
      } catch (e) {
        input.setAttribute('aria-invalid', 'true');
        this.#emitError(reasonOf(e));
        this.#say(reasonMessage(this.#lang, reasonOf(e)));
        input.focus();
        return;
      }
      input.value = ''; // the field never keeps it
      this.#code.set(code);
      this.#go('list');
    });
    return [...this.#header(t('code_title')), this.#slot, form];
  }

  // Step 2: the voter's scrutins with their state and countdowns, on the
  // server's clock, in Paris time.
  #listView() {
    const t = this.#t;
    const statuses = this.#statuses();
    const open = statuses.filter((s) => s.status === 'open');
    // Nothing left to vote now: the code is not needed any more.
    if (!open.length) this.#code.clear();
    const parts = [...this.#header(t('list_title')), this.#slot];
    if (statuses.length && statuses.every((s) => s.status === 'voted')) {
      parts.push(el('p', { className: 'ib-done', text: t('all_voted') }));
    } else if (!open.length) {
      parts.push(el('p', { className: 'ib-note', text: t('none_open') }));
    } else {
      parts.push(el('p', { text: t('list_intro') }));
    }
    parts.push(el('ul', { className: 'ib-scrutins' }, statuses.map((s) => this.#scrutinItem(s))));
    if (this.#code.held) {
      parts.push(el('div', { className: 'ib-actions' }, [button(t('quit'), () => {
        this.#forgetCode();
        this.#go('code', { notice: t('code_forgotten'), noticeKind: 'info' });
      }, { secondary: true })]));
    }
    return parts;
  }

  #scrutinItem(s) {
    const t = this.#t;
    const text = statusText(s, this.#lang, t);
    const badge = el('span', { className: `ib-badge ib-badge--${s.status}`, text: text.badge });
    const when = el('span', { className: 'ib-when', text: text.when });
    this.#statusNodes.set(s.id, { status: s.status, badge, when });
    const actions = [];
    if (s.status === 'open' && this.#scrutinOf(s.id)) {
      actions.push(button(t('vote_for'), () => this.#choose(s.id), { extra: s.title }));
    } else if (s.status === 'voted') {
      actions.push(button(t('emargement_download'), () => this.#downloadEmargement(s.id),
        { secondary: true, extra: s.title }));
    }
    return el('li', { className: `ib-scrutin ib-scrutin--${s.status}`, attrs: { 'data-scrutin': s.id } }, [
      el('h3', { className: 'ib-scrutin-title', text: s.title }),
      el('p', { className: 'ib-status' }, [badge, ' ', when]),
      actions.length ? el('div', { className: 'ib-actions' }, actions) : null,
    ]);
  }

  #scrutinOf(id) {
    return (this.#manifest.scrutins || []).find((s) => s.id === id);
  }

  #choose(id) {
    if (!this.#code.held) {
      this.#go('code', { notice: this.#t('code_needed'), noticeKind: 'info' });
      return;
    }
    this.#selection.clear();
    this.#activated = false;
    this.#go('ballot', { scrutin: id });
  }

  // Step 3: the ballot. Every option with its label, logo and profession de
  // foi; the choice stays disabled until the voter activates it.
  #ballotView({ scrutin: id }) {
    const t = this.#t;
    const scrutin = this.#scrutinOf(id);
    const multiple = scrutin.max > 1;
    const hasBlank = scrutin.options.some((o) => o.blank);
    const legend = multiple ? t('legend_range', { title: scrutin.title, min: scrutin.min, max: scrutin.max })
      : t(hasBlank ? 'legend_one' : 'legend_one_plain', { title: scrutin.title });
    const group = newId('choice');
    const inputs = [];
    const counter = multiple ? el('p', { className: 'ib-hint', attrs: { 'aria-live': 'polite' } }) : null;
    const logos = scrutin.options.map((option) => this.#logoOf(option));
    const withLogos = logos.some((src) => src);
    const fieldset = el('fieldset', {
      className: withLogos ? 'ib-options' : 'ib-options ib-options--no-logos',
      attrs: { id: newId('options'), disabled: !this.#activated },
    }, [
      el('legend', { className: 'ib-legend', text: legend }),
      ...scrutin.options.map((option, i) => this.#optionRow(option, group, multiple, inputs, withLogos ? logos[i] : null)),
      counter,
    ]);
    // Checkboxes: never more than max; the others are disabled at max.
    const sync = () => {
      this.#say(''); // an earlier "choose..." no longer applies
      this.#selection = new Set(inputs.filter((i) => i.checked).map((i) => i.value));
      if (!multiple) return;
      const full = this.#selection.size >= scrutin.max;
      for (const i of inputs) i.disabled = full && !i.checked;
      counter.textContent = t('chosen_count', { count: this.#selection.size, max: scrutin.max });
    };
    for (const i of inputs) i.addEventListener('change', sync);
    if (multiple) sync();

    const activate = button(t('activate'), () => {
      this.#say('');
      this.#activated = true;
      fieldset.disabled = false;
      activateBox.hidden = true;
      activatedNote.hidden = false;
      (inputs.find((i) => i.checked) || inputs.find((i) => !i.disabled))?.focus();
    });
    const activateBox = el('div', { className: 'ib-activate', attrs: { hidden: this.#activated } }, [
      el('p', { className: 'ib-hint', text: t('activate_hint') }), activate,
    ]);
    const activatedNote = el('p', { className: 'ib-note', attrs: { hidden: !this.#activated }, text: t('activated') });

    const next = () => {
      if (!this.#activated) return this.#say(t('not_activated'));
      const choice = checkChoice(scrutin, [...this.#selection]);
      if (!choice.ok) return this.#say(t(choice.reason, { min: scrutin.min, max: scrutin.max }));
      return this.#go('confirm', { scrutin: id });
    };
    return [
      ...this.#header(t('ballot_title')),
      el('p', { className: 'ib-lead', text: scrutin.title }),
      this.#slot,
      activateBox,
      activatedNote,
      fieldset,
      el('div', { className: 'ib-actions' }, [
        button(t('back'), () => this.#go('list'), { secondary: true }),
        button(t('continue'), next),
      ]),
    ];
  }

  // A logo is shown only from a data: URI or our own origin (logoSource).
  #logoOf(option) {
    const base = `${this.#api.base || location.origin}/`;
    return logoSource(option.logo, base, [location.origin, new URL(base).origin]);
  }

  // One option: its input, logo (null: no logo column at all), label and
  // profession de foi (a new tab, with neither opener nor referrer).
  #optionRow(option, group, multiple, inputs, src) {
    const t = this.#t;
    const inputId = newId('option');
    const input = el('input', {
      className: 'ib-choice',
      attrs: { id: inputId, type: multiple ? 'checkbox' : 'radio', name: group, value: option.id },
    });
    input.checked = this.#selection.has(option.id);
    inputs.push(input);
    // alt="": the label beside it says the same.
    const logo = src ? el('img', { className: 'ib-logo', attrs: { src, alt: '' } })
      : src === '' ? el('span', { className: 'ib-logo ib-logo--none', attrs: { 'aria-hidden': 'true' } }) : null;
    const label = el('label', { className: 'ib-option-label', attrs: { for: inputId } }, [
      el('span', { className: 'ib-option-name', text: option.label }),
      option.affiliation ? el('span', { className: 'ib-option-affiliation', text: option.affiliation }) : null,
    ]);
    const href = externalLink(option.profession_de_foi);
    const link = href ? el('a', {
      className: 'ib-link ib-profession',
      attrs: { href, target: '_blank', rel: 'noopener noreferrer' },
    }, [t('profession'), el('span', { className: 'ib-sr-only', text: ` — ${option.label} ${t('new_tab')}` })]) : null;
    return el('div', { className: `ib-option${option.blank ? ' ib-option--blank' : ''}` }, [input, logo, label, link]);
  }

  // Step 3 (end): the choice read back, and the last chance to go back.
  #confirmView({ scrutin: id }) {
    const t = this.#t;
    const scrutin = this.#scrutinOf(id);
    const chosen = scrutin.options.filter((o) => this.#selection.has(o.id));
    return [
      ...this.#header(t('confirm_title')),
      this.#slot,
      el('p', { className: 'ib-lead', text: t('confirm_scrutin', { title: scrutin.title }) }),
      el('p', { text: t('confirm_choice') }),
      el('ul', { className: 'ib-chosen' }, chosen.map((o) => el('li', { text: o.label }))),
      el('p', { className: 'ib-warning', text: t('confirm_definitive') }),
      el('div', { className: 'ib-actions' }, [
        button(t('back'), () => this.#go('ballot', { scrutin: id }), { secondary: true }),
        button(t('vote'), () => this.#vote(id)),
      ]),
    ];
  }

  #votingView() {
    return [
      ...this.#header(this.#t('voting_title')),
      el('p', { className: 'ib-loading', attrs: { role: 'status' }, text: this.#t('voting') }),
    ];
  }

  // Step 4: encrypt, prove and sign in the module, post the exact text,
  // check the answer; then step 5.
  async #vote(id) {
    if (this.#busy) return;
    const code = this.#code.get();
    if (!code) {
      this.#go('code', { notice: this.#t(this.#code.idle() ? 'idle_cleared' : 'code_needed') });
      return;
    }
    this.#busy = true;
    const generation = this.#generation;
    try {
      this.#go('voting', { scrutin: id });
      await nextFrame(); // let the "voting" text paint before the proofs run
      let made;
      try {
        made = this.#booth.createBallot(this.#manifestText, id, [...this.#selection], code);
      } catch (e) {
        this.#go('ballot', { scrutin: id });
        this.#refused(e);
        return;
      }
      let answer;
      try {
        answer = await this.#api.cast(made.ballot);
      } catch (e) {
        if (generation !== this.#generation) return;
        await this.#castRefused(e);
        return;
      }
      if (generation !== this.#generation) return;
      const check = checkCast(this.#booth, this.#manifestText, { scrutin: id, reference: made.reference }, answer);
      this.#selection.clear();
      this.#activated = false;
      try {
        await this.#refreshScrutins();
      } catch {
        // the list is fetched again when the voter goes back to it
      }
      if (!this.#statuses().some((s) => s.status === 'open')) this.#code.clear(); // all voted
      this.#receipt = { scrutin: id, reference: made.reference, answer, check };
      this.#go('receipt');
      this.dispatchEvent(new CustomEvent('isoloir-cast', {
        bubbles: true, composed: true, detail: { scrutin: id, reference: made.reference },
      }));
      if (!check.ok) this.#emitError(check.problems[0].key.replace(/^alarm_/, ''));
    } finally {
      this.#busy = false;
    }
  }

  // A refused or lost cast: the list again with the reason (already voted,
  // window closed...), or step 0 when the session has ended.
  async #castRefused(e) {
    if (e.status === 401) {
      this.#refused(e);
      return;
    }
    this.#emitError(reasonOf(e));
    const message = reasonOf(e) === 'network_error' ? this.#t('cast_unknown')
      : reasonMessage(this.#lang, reasonOf(e), e.retryAfter);
    try {
      await this.#refreshScrutins();
    } catch (again) {
      if (again.status === 401) return this.#refused(again);
    }
    this.#selection.clear();
    this.#activated = false;
    this.#go('list', { notice: message });
  }

  // Step 5: the receipt, checked: equal references, both signatures. A
  // mismatch is an alarm that stays on screen.
  #receiptView() {
    const t = this.#t;
    const { scrutin: id, reference, answer, check } = this.#receipt;
    const scrutin = this.#scrutinOf(id);
    const parts = [...this.#header(t('receipt_title')), this.#slot];
    if (!check.ok) {
      parts.push(el('div', { className: 'ib-alarm', attrs: { role: 'alert' } }, [
        el('p', { className: 'ib-alarm-title', text: t('alarm_title') }),
        el('ul', {}, check.problems.map((p) => el('li', { text: t(p.key, p.params) }))),
        el('p', { text: t('alarm_contact') }),
      ]));
    } else {
      parts.push(el('p', { className: 'ib-done', text: t('receipt_intro') }));
    }
    parts.push(el('dl', { className: 'ib-receipt' }, [
      el('dt', { text: t('receipt_scrutin') }), el('dd', { text: scrutin.title }),
      el('dt', { text: t('receipt_time') }),
      el('dd', { className: 'ib-receipt-time', text: check.time ? formatDateTime(check.time, this.#lang) : '—' }),
      el('dt', { text: t('receipt_reference') }),
      el('dd', {}, [el('code', { className: 'ib-reference', text: reference })]),
    ]));
    if (check.referenceMatches) parts.push(el('p', { className: 'ib-ok', text: t('receipt_reference_ok') }));
    if (check.receiptsValid) parts.push(el('p', { className: 'ib-ok', text: t('receipt_signatures_ok') }));
    parts.push(el('p', { className: 'ib-note', text: t('deposit_once') }));
    parts.push(el('div', { className: 'ib-actions' }, [
      button(t('deposit_download'), () => this.#download(receiptFileName('deposit', id), answer.deposit)),
      button(t('emargement_download'), () => this.#download(receiptFileName('emargement', id), answer.emargement),
        { secondary: true }),
    ]));
    // Leaving drops the deposit proof for good (#go clears #receipt).
    parts.push(el('div', { className: 'ib-actions' }, [
      button(t('receipt_next'), () => this.#go('list'), { secondary: true }),
    ]));
    return parts;
  }

  async #downloadEmargement(id) {
    try {
      const text = await this.#api.emargement(id);
      const check = checkEmargement(this.#booth, this.#manifestText, id, text);
      if (!check.ok) {
        this.#emitError(check.key.replace(/^alarm_/, ''));
        this.#say(`${this.#t(check.key, check.params)} ${this.#t('alarm_contact')}`, 'alarm');
      }
      this.#download(receiptFileName('emargement', id), text);
    } catch (e) {
      this.#refused(e);
    }
  }

  // A file from text the server signed, byte for byte: Blob, object URL and
  // a download link (no navigation, nothing stored).
  #download(name, text) {
    const url = URL.createObjectURL(new Blob([String(text)], { type: 'application/json' }));
    const a = el('a', { className: 'ib-sr-only', attrs: { href: url, download: name } });
    this.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  async #logout() {
    this.#forgetCode();
    try {
      await this.#api.logout();
    } catch {
      // an ended session is as good as a logout
    }
    this.#me = null;
    this.#scrutins = null;
    this.#go('login', { notice: this.#t('logged_out'), noticeKind: 'info' });
  }
}

if (globalThis.customElements && !customElements.get('isoloir-booth')) {
  customElements.define('isoloir-booth', IsoloirBoothElement);
}

export default IsoloirBoothElement;
