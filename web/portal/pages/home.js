// "/": the login form, or once logged in the home menu (docs/booth-ui.md).
import { h } from '../dom.js';
import { loginForm } from '../forms.js';

const MENU = [
  ['/vote', 'home.vote', 'home.voteHint'],
  ['/reassort', 'home.reissue', 'home.reissueHint'],
  ['/informations', 'home.infos', 'home.infosHint'],
  ['/listes', 'home.lists', 'home.listsHint'],
  ['/reclamation', 'home.reclamation', 'home.reclamationHint'],
  ['/pratique', 'home.practical', 'home.practicalHint'],
  ['/verifier', 'home.verifyItem', 'home.verifyHint'],
  ['/resultats', 'home.results', 'home.resultsHint'],
];

function menu(ctx, view, heading) {
  const t = ctx.t;
  heading.textContent = t('home.menuTitle');
  document.title = t('site.title', { page: t('home.menuTitle') });
  const name = ctx.me ? ctx.me.name : ctx.session.identifier;
  const items = MENU.map(([href, label, hint]) => h('li', {},
    h('a', { href, class: 'tile' },
      h('span', { class: 'tile-title' }, t(label)),
      h('span', { class: 'tile-hint' }, t(hint)))));
  items.push(h('li', {},
    h('button', { type: 'button', class: 'tile tile-logout', id: 'menu-logout', onclick: () => ctx.logout() },
      h('span', { class: 'tile-title' }, t('site.logout')),
      h('span', { class: 'tile-hint' }, t('home.logoutHint')))));
  view.append(
    h('p', { class: 'lead' }, t('home.welcome', { name })),
    h('nav', { 'aria-labelledby': 'menu-title' },
      h('h2', { id: 'menu-title' }, t('home.menu')),
      h('ul', { class: 'tiles' }, items)));
}

export default {
  title: (t) => t('home.title'),
  async render(ctx, view, heading) {
    const t = ctx.t;
    const prefill = ctx.prefillIdentifier || '';
    ctx.prefillIdentifier = '';
    const session = await ctx.checkSession();
    if (!view.isConnected) return null;
    if (session) {
      menu(ctx, view, heading);
      return null;
    }
    const login = loginForm(ctx, {
      identifier: prefill,
      onSuccess: () => ctx.navigate('/', { replace: true }),
    });
    view.append(
      h('p', { class: 'lead' }, t('home.intro')),
      h('div', { class: 'columns' },
        login.form,
        h('div', { class: 'aside' },
          h('section', { 'aria-labelledby': 'first-time' },
            h('h2', { id: 'first-time' }, t('home.firstTime')),
            h('p', {}, h('a', { href: '/activation' }, t('home.activate')))),
          h('section', { 'aria-labelledby': 'forgot' },
            h('h2', { id: 'forgot' }, t('home.forgot')),
            h('p', {}, h('a', { href: '/mot-de-passe' }, t('home.reset')))),
          h('section', { 'aria-labelledby': 'public' },
            h('h2', { id: 'public' }, t('home.public')),
            h('ul', { class: 'plain' },
              h('li', {}, h('a', { href: '/verifier' }, t('home.verify'))),
              h('li', {}, h('a', { href: '/pratique' }, t('home.info'))),
              h('li', {}, h('a', { href: '/resultats' }, t('home.resultsLink'))))))));
    return null;
  },
};
