// "/informations", Mes informations personnelles: who the voter is, their
// scrutins with voted or not, and the signed émargement of each scrutin
// voted, downloaded again as often as they like.
import { h } from '../dom.js';
import { alertBox, showError, statusBox } from '../forms.js';

function statusText(ctx, s) {
  if (s.voted) return ctx.t('infos.voted', { date: ctx.date(s.voted_at) });
  if (s.state === 'not_open') return ctx.t('infos.notOpen');
  if (s.state === 'closed') return ctx.t('infos.closed');
  return ctx.t('infos.notVoted');
}

/** Offers `text` as a file download (a Blob URL, revoked once the click is handled). */
export function download(text, filename, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename, class: 'visually-hidden' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export default {
  title: (t) => t('infos.title'),
  needsLogin: true,
  async render(ctx, view) {
    const t = ctx.t;
    const alert = alertBox();
    const status = statusBox('success');
    const loading = h('p', { class: 'loading' }, t('common.loading'));
    view.append(alert.el, loading);
    let me;
    let mine;
    try {
      [me, mine] = await Promise.all([ctx.api.me(), ctx.api.myScrutins()]);
    } catch (e) {
      loading.remove();
      showError(ctx, alert, e);
      return null;
    }
    loading.remove();
    const row = (key, value) => [h('dt', {}, t(key)), h('dd', {}, value)];
    const rows = mine.scrutins.map((s) => {
      let cell = t('infos.none');
      if (s.voted) {
        const button = h('button', { type: 'button', class: 'secondary', 'data-scrutin': s.id,
          'aria-label': t('infos.downloadFor', { title: s.title }) }, t('infos.download'));
        button.addEventListener('click', async () => {
          alert.clear();
          status.clear();
          button.disabled = true;
          try {
            const text = await ctx.api.emargement(s.id);
            const file = `emargement-${s.id}.json`;
            download(text, file);
            status.show(t('infos.downloaded', { file }));
          } catch (e) {
            showError(ctx, alert, e);
          } finally {
            button.disabled = false;
          }
        });
        cell = button;
      }
      return h('tr', {},
        h('th', { scope: 'row' }, s.title),
        h('td', { class: s.voted ? 'voted' : 'not-voted' }, statusText(ctx, s)),
        h('td', {}, cell));
    });
    view.append(
      h('section', { 'aria-labelledby': 'infos-identity' },
        h('h2', { id: 'infos-identity' }, t('infos.identity')),
        h('dl', { class: 'facts' },
          row('infos.name', me.name),
          row('infos.identifier', me.identifier),
          row('infos.activated', me.activated_at ? ctx.date(me.activated_at) : t('infos.none')),
          me.question ? row('infos.question', me.question) : null)),
      h('section', { 'aria-labelledby': 'infos-scrutins' },
        h('h2', { id: 'infos-scrutins' }, t('infos.scrutins')),
        h('div', { class: 'table-wrap' },
          h('table', { class: 'table' },
            h('caption', { class: 'visually-hidden' }, t('infos.caption')),
            h('thead', {}, h('tr', {},
              h('th', { scope: 'col' }, t('infos.col.scrutin')),
              h('th', { scope: 'col' }, t('infos.col.status')),
              h('th', { scope: 'col' }, t('infos.col.emargement')))),
            h('tbody', {}, rows))),
        status.el));
    return null;
  },
};
