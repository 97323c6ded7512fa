// "/vote", Je vote: the <isoloir-booth> element (web/booth/widget.js) runs
// the vote itself (code, scrutins, choice, confirmation, receipt). The page
// only embeds it, same origin, in the voter's language, with the way to a
// new code below it (/reassort).
import { h } from '../dom.js';

let widget = null; // the import, once: the element is defined for the whole page's life

export default {
  title: (t) => t('vote.title'),
  needsLogin: true,
  render(ctx, view, heading) {
    const t = ctx.t;
    const intro = h('p', { class: 'lead' }, t('vote.intro'));
    // login-href: without a session the booth links back to the portal's login.
    const booth = h('isoloir-booth', { server: '', lang: ctx.lang, 'login-href': '/' });
    booth.addEventListener('isoloir-error', (event) => {
      if (event.detail && event.detail.reason === 'not_logged_in') ctx.setLoggedOut();
    });
    const failure = h('div', { class: 'alert', role: 'alert' });
    // Below the booth: a lost code can be re-issued ("réassort").
    const lostText = h('span', {}, t('vote.lostCode'));
    const lostLink = h('a', { href: '/reassort' }, t('vote.reissue'));
    const lost = h('p', { class: 'reissue-link' }, lostText, ' ', lostLink);
    view.append(intro, failure, booth, lost);
    if (!widget) {
      widget = import('/booth/widget.js');
      widget.catch(() => { widget = null; });
    }
    widget.catch(() => {
      failure.classList.add('shown');
      failure.textContent = ctx.t('vote.loadFailed');
    });
    // A language switch must not redraw the booth: the voter may be half-way
    // through a vote. Its `lang` attribute changes instead.
    return {
      relang() {
        heading.textContent = ctx.t('vote.title');
        intro.textContent = ctx.t('vote.intro');
        lostText.textContent = ctx.t('vote.lostCode');
        lostLink.textContent = ctx.t('vote.reissue');
        if (failure.textContent) failure.textContent = ctx.t('vote.loadFailed');
        booth.setAttribute('lang', ctx.lang);
      },
    };
  },
};
