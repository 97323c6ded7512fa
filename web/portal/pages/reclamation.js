// "/reclamation", Formuler une réclamation: a scrutin and a text (1 to 4000
// bytes, as the server counts); the answer's number and time are shown.
import { h } from '../dom.js';
import { alertBox, field, showError, statusBox } from '../forms.js';
import { utf8Length } from '../rules.js';

export const MAX_BYTES = 4000;

export default {
  title: (t) => t('reclamation.title'),
  needsLogin: true,
  async render(ctx, view) {
    const t = ctx.t;
    const alert = alertBox();
    const done = statusBox('success');
    view.append(h('p', { class: 'lead' }, t('reclamation.intro')), done.el, alert.el);
    let mine;
    try {
      mine = await ctx.api.myScrutins();
    } catch (e) {
      showError(ctx, alert, e);
      return null;
    }
    if (!view.isConnected) return null;
    const scrutin = field(ctx, {
      label: t('reclamation.scrutin'), tag: 'select', required: true, attrs: { name: 'scrutin' },
      children: [h('option', { value: '' }, t('reclamation.choose')),
        mine.scrutins.map((s) => h('option', { value: s.id }, s.title))],
    });
    const text = field(ctx, {
      label: t('reclamation.text'), tag: 'textarea', required: true,
      attrs: { name: 'text', rows: '8', maxlength: String(MAX_BYTES) },
    });
    const counterId = `${text.input.id}-counter`;
    const counter = h('p', { class: 'counter', id: counterId });
    text.input.setAttribute('aria-describedby', `${counterId} ${text.input.getAttribute('aria-describedby')}`);
    text.row.append(counter);
    const count = () => {
      const used = utf8Length(text.input.value);
      counter.textContent = t('reclamation.counter', { used, max: MAX_BYTES });
      counter.classList.toggle('over', used > MAX_BYTES);
      return used;
    };
    count();
    text.input.addEventListener('input', () => {
      const over = count() > MAX_BYTES;
      text.setError(over ? t('reclamation.tooLong', { max: MAX_BYTES }) : '');
    });
    scrutin.input.addEventListener('change', () => scrutin.setError(''));
    const submit = h('button', { type: 'submit', class: 'primary' }, t('reclamation.submit'));
    const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'page-title' },
      scrutin.row, text.row, h('div', { class: 'actions' }, submit));
    view.append(form);

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      alert.clear();
      const used = count();
      scrutin.setError(scrutin.input.value ? '' : t('reclamation.chooseScrutin'));
      text.setError(!text.input.value.trim() ? t('common.fieldRequired')
        : used > MAX_BYTES ? t('reclamation.tooLong', { max: MAX_BYTES }) : '');
      if (!scrutin.input.value) return scrutin.input.focus();
      if (!text.input.value.trim() || used > MAX_BYTES) return text.input.focus();
      submit.disabled = true;
      try {
        const r = await ctx.api.reclamation(scrutin.input.value, text.input.value);
        done.show(h('p', { class: 'reclamation-done' }, t('reclamation.done', { id: r.id, date: ctx.date(r.filed_at) })),
          h('p', {}, t('reclamation.another')));
        done.el.setAttribute('tabindex', '-1');
        done.el.focus();
        form.reset();
        count();
      } catch (e) {
        showError(ctx, alert, e);
      } finally {
        submit.disabled = false;
      }
      return undefined;
    });
    return null;
  },
};
