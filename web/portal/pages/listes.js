// "/listes", Listes électorales: search a colleague by name on the list of
// one of my scrutins, a page of names at a time (the server exposes names
// only).
import { h, replace } from '../dom.js';
import { alertBox, field, showError } from '../forms.js';

export const PAGE_SIZE = 10;

export default {
  title: (t) => t('lists.title'),
  needsLogin: true,
  async render(ctx, view) {
    const t = ctx.t;
    const alert = alertBox();
    view.append(h('p', { class: 'lead' }, t('lists.intro')), alert.el);
    let mine;
    try {
      mine = await ctx.api.myScrutins();
    } catch (e) {
      showError(ctx, alert, e);
      return null;
    }
    if (!view.isConnected) return null;
    if (!mine.scrutins.length) {
      view.append(h('p', {}, t('lists.noScrutin')));
      return null;
    }
    const scrutin = field(ctx, {
      label: t('lists.scrutin'), tag: 'select', required: true, attrs: { name: 'scrutin' },
      children: mine.scrutins.map((s) => h('option', { value: s.id }, s.title)),
    });
    const name = field(ctx, {
      label: t('lists.name'), hint: t('lists.nameHint'), required: true,
      attrs: { type: 'search', name: 'name', autocomplete: 'off', spellcheck: 'false', maxlength: '64' },
    });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('lists.search'));
    const form = h('form', { class: 'card form search', role: 'search', novalidate: true, 'aria-label': t('lists.title') },
      scrutin.row, name.row, h('div', { class: 'actions' }, submit));

    const summary = h('p', { class: 'summary', role: 'status' });
    const list = h('ol', { class: 'names' });
    const previous = h('button', { type: 'button', class: 'secondary', disabled: true }, t('lists.previous'));
    const next = h('button', { type: 'button', class: 'secondary', disabled: true }, t('lists.next'));
    const pager = h('nav', { class: 'pager', 'aria-label': t('lists.pager') }, previous, next);
    const results = h('section', { class: 'results', 'aria-labelledby': 'lists-results', hidden: true },
      h('h2', { id: 'lists-results' }, t('lists.results')), summary, list, pager);
    view.append(form, results);

    let query = null; // {scrutin, q, from}
    const show = async (from, focusList) => {
      alert.clear();
      submit.disabled = true;
      try {
        const r = await ctx.api.electors(query.scrutin, query.q, from, PAGE_SIZE);
        query.from = r.from;
        results.hidden = false;
        const shown = r.electors.length;
        summary.textContent = r.total === 0 ? t('lists.zero', { q: query.q })
          : t('lists.count', { total: r.total, q: query.q, first: r.from + 1, last: r.from + shown });
        replace(list, r.electors.map((e) => h('li', {}, e.name)));
        list.setAttribute('start', String(r.from + 1));
        list.hidden = shown === 0;
        previous.disabled = r.from === 0;
        next.disabled = r.from + shown >= r.total;
        pager.hidden = r.total <= PAGE_SIZE;
        if (focusList) summary.setAttribute('tabindex', '-1');
        if (focusList) summary.focus();
      } catch (e) {
        showError(ctx, alert, e);
      } finally {
        submit.disabled = false;
      }
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const q = name.input.value.trim();
      name.setError(q ? '' : t('common.fieldRequired'));
      if (!q) {
        name.input.focus();
        return;
      }
      query = { scrutin: scrutin.input.value, q, from: 0 };
      show(0, false);
    });
    previous.addEventListener('click', () => show(Math.max(0, query.from - PAGE_SIZE), true));
    next.addEventListener('click', () => show(query.from + PAGE_SIZE, true));
    return null;
  },
};
