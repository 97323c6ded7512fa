// The voter portal: one HTML shell (index.html) for every page path; this
// router reads location.pathname, draws the page's view into <main id="app">
// and moves between pages with history.pushState. The page map is
// docs/booth-ui.md's; each page is a module under pages/.
//
// Every server call goes through IsoloirApi (/booth/api.js); every text is
// put in with textContent (dom.js), never innerHTML: the pages run under a
// CSP without inline script or style.
import { IsoloirApi } from '/booth/api.js';
import { formatDateTime, makeTranslator, pickLanguage, reasonMessage } from '/booth/i18n.js';
import { h, replace } from './dom.js';
import { STRINGS } from './strings.js';
import home from './pages/home.js';
import activation from './pages/activation.js';
import password from './pages/password.js';
import vote from './pages/vote.js';
import informations from './pages/informations.js';
import listes from './pages/listes.js';
import reclamation from './pages/reclamation.js';
import pratique from './pages/pratique.js';
import verifier from './pages/verifier.js';
import reassort from './pages/reassort.js';
import tresorier from './pages/tresorier.js';
import resultats from './pages/resultats.js';
import depouillement from './pages/depouillement.js';
import { loginForm } from './forms.js';

const ROUTES = {
  '/': home,
  '/activation': activation,
  '/mot-de-passe': password,
  '/vote': vote,
  '/informations': informations,
  '/listes': listes,
  '/reclamation': reclamation,
  '/pratique': pratique,
  '/verifier': verifier,
  '/reassort': reassort,
  '/tresorier': tresorier,
  '/resultats': resultats,
  '/depouillement': depouillement,
};

const notFound = {
  title: (t) => t('notfound.title'),
  render(ctx, view) {
    view.append(h('p', {}, ctx.t('notfound.text')), h('p', {}, h('a', { href: '/' }, ctx.t('common.back'))));
  },
};

const LANG_KEY = 'isoloir.lang';

function storedLanguage() {
  try {
    return localStorage.getItem(LANG_KEY) || '';
  } catch {
    return ''; // storage disabled: French unless asked
  }
}

function initialLanguage() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked) {
    const lang = pickLanguage(asked);
    try {
      localStorage.setItem(LANG_KEY, lang);
    } catch {
      // not kept: the URL still says it
    }
    return lang;
  }
  return pickLanguage(storedLanguage());
}

// --- the context every page gets -------------------------------------------

const ctx = {
  api: new IsoloirApi(''),
  lang: 'fr',
  t: (key) => key,
  /** undefined: not asked yet; null: logged out; else the session (identifier, csrf_token, expires_at). */
  session: undefined,
  /** The voter's record (api.me()), fetched once per login, for the header's name. */
  me: null,
  /** A one-shot message for the next page drawn ({kind, key, params}), e.g. after activation. */
  notice: null,
  _manifest: null,
  _asking: null,

  /** The session, asked of the server once (a reload keeps the cookie and gets the CSRF token back). */
  ensureSession() {
    if (this.session !== undefined) return Promise.resolve(this.session);
    if (!this._asking) {
      this._asking = (async () => {
        let session = null;
        try {
          session = await this.api.session();
        } catch {
          session = null; // 401 not_logged_in: the login form
        }
        if (this.session === undefined) this.session = session;
        const same = this.me && this.session && this.me.identifier.toLowerCase() === this.session.identifier.toLowerCase();
        if (!this.session) this.me = null;
        if (this.session && !same) await this.loadMe();
        else drawHeader();
        this._asking = null;
        return this.session;
      })();
    }
    return this._asking;
  },
  /**
   * The session as the server sees it now: asked again if we believed we were
   * logged in (the widget may have logged out, the session may have ended).
   */
  checkSession() {
    if (this.session) this.session = undefined;
    return this.ensureSession();
  },
  async loadMe() {
    try {
      this.me = await this.api.me();
    } catch {
      this.me = null;
    }
    drawHeader();
  },
  async setLoggedIn(session) {
    this.session = session;
    await this.loadMe();
  },
  setLoggedOut() {
    this.session = null;
    this.me = null;
    drawHeader();
  },
  async logout() {
    try {
      await this.api.logout();
    } catch {
      // the session may have ended already: logged out either way
    }
    this.setLoggedOut();
    this.navigate('/', { notice: { kind: 'success', key: 'home.loggedOut' } });
  },

  /** The manifest (public), fetched once: {text, json}. */
  manifest() {
    if (!this._manifest) {
      this._manifest = this.api.manifest().then((text) => ({ text, json: JSON.parse(text) }));
      this._manifest.catch(() => { this._manifest = null; });
    }
    return this._manifest;
  },

  /** Goes to `path` (a page path, optionally with a query or a fragment). */
  navigate(path, { notice = null, replace: replaceEntry = false } = {}) {
    this.notice = notice;
    if (replaceEntry) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    render({ focus: true });
  },
  takeNotice() {
    const n = this.notice;
    this.notice = null;
    return n;
  },

  /** A refusal in the voter's words: the portal's own reasons first, then the shared ones (i18n.js). */
  errorText(e) {
    const reason = (e && e.error) || 'network_error';
    if (`reason.${reason}` in STRINGS.fr) return this.t(`reason.${reason}`);
    const seconds = Math.max(1, (e && e.retryAfter) || 0);
    const message = reasonMessage(this.lang, reason, seconds);
    // i18n.js words unknown reasons as a refused vote: not what a portal page means.
    const unknown = reasonMessage(this.lang, 'unknown').replace('{reason}', String(reason));
    return message === unknown ? this.t('reason.other', { reason }) : message;
  },
  date(iso) {
    return formatDateTime(iso, this.lang);
  },
};

// --- the shell ---------------------------------------------------------------

function setLanguage(lang) {
  ctx.lang = pickLanguage(lang);
  ctx.t = makeTranslator(STRINGS, ctx.lang);
  document.documentElement.lang = ctx.lang;
  const skip = document.getElementById('skip');
  if (skip) skip.textContent = ctx.t('site.skip');
}

function switchLanguage() {
  const lang = ctx.lang === 'fr' ? 'en' : 'fr';
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // not kept across pages
  }
  setLanguage(lang);
  // A ?lang= in the address would win again at the next load: drop it.
  const params = new URLSearchParams(location.search);
  if (params.has('lang')) {
    params.delete('lang');
    const q = params.toString();
    history.replaceState(null, '', location.pathname + (q ? `?${q}` : '') + location.hash);
  }
  drawHeader();
  drawFooter();
  if (current && current.view && typeof current.view.relang === 'function') {
    current.view.relang();
    document.title = ctx.t('site.title', { page: current.page.title(ctx.t) });
  } else {
    render({ focus: false });
  }
  document.getElementById('lang-switch')?.focus();
}

let headerDrawn = '';

function drawHeader() {
  const header = document.getElementById('site-header');
  if (!header) return;
  const t = ctx.t;
  // Redrawn only when something in it changes: a redraw would take the
  // keyboard focus away from its buttons.
  const key = JSON.stringify([ctx.lang, ctx.session ? ctx.session.identifier : '', ctx.me ? ctx.me.name : '']);
  if (key === headerDrawn) return;
  headerDrawn = key;
  const electionTitle = h('p', { class: 'election', id: 'election-title' });
  ctx.manifest().then(({ json }) => {
    if (typeof json.title === 'string') electionTitle.textContent = json.title;
  }).catch(() => {});
  const who = ctx.me ? `${ctx.me.name} (${ctx.me.identifier})` : ctx.session ? ctx.session.identifier : '';
  const tools = h('div', { class: 'tools' },
    h('button', { type: 'button', id: 'lang-switch', class: 'link-button', lang: t('site.switchLang'),
      'aria-label': t('site.switchLabel'), onclick: switchLanguage }, t('site.switch')));
  if (ctx.session) {
    tools.append(h('span', { class: 'who' }, t('site.loggedAs', { who })),
      h('button', { type: 'button', class: 'link-button', id: 'header-logout', onclick: () => ctx.logout() },
        t('site.logout')));
  }
  replace(header,
    h('div', { class: 'flag', 'aria-hidden': 'true' }),
    h('div', { class: 'bar' },
      h('div', { class: 'brand' },
        h('a', { href: '/', class: 'brand-link' },
          h('span', { class: 'brand-name' }, t('site.name')),
          h('span', { class: 'brand-tagline' }, t('site.tagline'))),
        electionTitle),
      tools));
}

function drawFooter() {
  const footer = document.getElementById('site-footer');
  if (!footer) return;
  const t = ctx.t;
  replace(footer,
    h('nav', { 'aria-label': t('site.footerNav') },
      h('ul', {},
        h('li', {}, h('a', { href: '/' }, t('site.home'))),
        h('li', {}, h('a', { href: '/pratique' }, t('practical.title'))),
        h('li', {}, h('a', { href: '/verifier' }, t('verify.title'))),
        h('li', {}, h('a', { href: '/resultats' }, t('results.title'))))),
    h('p', {}, t('site.footer')));
}

// --- the router --------------------------------------------------------------

let current = null;
let drawn = 0;

async function render({ focus }) {
  const seq = ++drawn;
  const page = ROUTES[location.pathname] || notFound;
  const main = document.getElementById('app');
  const t = ctx.t;
  const heading = h('h1', { id: 'page-title', tabindex: '-1' }, page.title(t));
  // Each drawing gets its own container: a slow page that answers after the
  // voter has moved on writes into a detached node, not into the new page.
  const view = h('div', { class: 'view' });
  replace(main, heading, view);
  document.title = t('site.title', { page: page.title(t) });
  current = { page, view: null };
  if (focus) heading.focus();

  const notice = ctx.takeNotice();
  if (notice) {
    view.append(h('div', { class: `status status-${notice.kind} shown`, role: 'status' },
      h('p', {}, t(notice.key, notice.params || {}))));
  }
  // needsLogin: true, or a function of the page's state (/reassort needs a
  // login to ask for a link, not to open one).
  if (typeof page.needsLogin === 'function' ? page.needsLogin(ctx) : page.needsLogin) {
    const session = await ctx.checkSession();
    if (seq !== drawn) return;
    if (!session) {
      const login = loginForm(ctx, { onSuccess: () => render({ focus: true }) });
      view.append(h('p', { class: 'lead' }, t('home.gate')), login.form);
      return;
    }
  }
  const handle = await page.render(ctx, view, heading);
  if (seq === drawn) current.view = handle || null;
}

// Same-origin links to a page path are followed without reloading.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !(url.pathname in ROUTES)) return;
  if (a.id === 'skip') return;
  event.preventDefault();
  ctx.navigate(url.pathname + url.search + url.hash);
});

window.addEventListener('popstate', () => render({ focus: true }));

function start() {
  setLanguage(initialLanguage());
  const skip = document.getElementById('skip');
  if (skip) {
    // Focus the content without putting "#app" into the address (the
    // activation and reset pages read their token from the fragment).
    skip.addEventListener('click', (event) => {
      event.preventDefault();
      document.getElementById('app').focus();
    });
  }
  drawHeader();
  drawFooter();
  ctx.ensureSession().then(() => drawHeader());
  render({ focus: false });
}

start();
