// "/pratique", Informations pratiques (public): the voting window from the
// manifest, the help desk from GET /api/v1/info (whatever the election
// configured: help_desk.hours/phone/email are shown as such, any other key
// as a labelled value), and a few answers to frequent questions.
import { h } from '../dom.js';
import { alertBox, showError } from '../forms.js';

// "opening_hours" -> "Opening hours": a configured key shown as a label.
function labelOf(key) {
  const s = String(key).replace(/[_-]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// A configured value: text (with e-mail addresses, phone numbers and web
// addresses as links), a list, or a nested object as a definition list.
function valueNode(key, value) {
  if (Array.isArray(value)) return h('ul', {}, value.map((v) => h('li', {}, valueNode(key, v))));
  if (value !== null && typeof value === 'object') {
    return h('dl', { class: 'facts' }, Object.entries(value).map(([k, v]) => [h('dt', {}, labelOf(k)), h('dd', {}, valueNode(k, v))]));
  }
  const text = String(value);
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) return h('a', { href: `mailto:${text}` }, text);
  if (/^https:\/\/\S+$/.test(text)) return h('a', { href: text, rel: 'noopener noreferrer' }, text);
  if (/phone|tel/i.test(key) && /^[+\d][\d .-]{5,}$/.test(text)) {
    return h('a', { href: `tel:${text.replace(/[ .-]/g, '')}` }, text);
  }
  return text;
}

export default {
  title: (t) => t('practical.title'),
  async render(ctx, view) {
    const t = ctx.t;
    const alert = alertBox();
    const windowSection = h('section', { 'aria-labelledby': 'pr-window' }, h('h2', { id: 'pr-window' }, t('practical.window')));
    const desk = h('section', { 'aria-labelledby': 'pr-desk' }, h('h2', { id: 'pr-desk' }, t('practical.helpDesk')));
    const faq = h('section', { 'aria-labelledby': 'pr-faq' },
      h('h2', { id: 'pr-faq' }, t('practical.faq')),
      h('dl', { class: 'faq' },
        h('dt', {}, t('practical.faqCode')), h('dd', {}, t('practical.faqCodeAnswer')),
        h('dt', {}, t('practical.faqPassword')),
        h('dd', {}, h('a', { href: '/mot-de-passe' }, t('practical.faqPasswordAnswer'))),
        h('dt', {}, t('practical.faqVerify')),
        h('dd', {}, h('a', { href: '/verifier' }, t('practical.faqVerifyAnswer')))));
    view.append(alert.el, windowSection, desk, faq);

    const [manifest, info] = await Promise.allSettled([ctx.manifest(), ctx.api.info()]);
    if (!view.isConnected) return null;
    if (manifest.status === 'fulfilled') {
      const m = manifest.value.json;
      windowSection.append(h('p', { class: 'window' },
        t('practical.windowText', { opens: ctx.date(m.opens_at), closes: ctx.date(m.closes_at) })));
    } else windowSection.remove();

    if (info.status === 'rejected') {
      showError(ctx, alert, info.reason);
      desk.remove();
      return null;
    }
    const data = info.value && typeof info.value === 'object' ? info.value : {};
    const { help_desk: helpDesk, ...others } = data;
    if (helpDesk && typeof helpDesk === 'object') {
      const { hours, phone, email, ...rest } = helpDesk;
      const facts = h('dl', { class: 'facts contact' });
      if (hours) facts.append(h('dt', {}, t('practical.hours')), h('dd', {}, String(hours)));
      if (phone) facts.append(h('dt', {}, t('practical.phone')), h('dd', {}, valueNode('phone', phone)));
      if (email) facts.append(h('dt', {}, t('practical.email')), h('dd', {}, valueNode('email', email)));
      for (const [k, v] of Object.entries(rest)) facts.append(h('dt', {}, labelOf(k)), h('dd', {}, valueNode(k, v)));
      desk.append(facts);
    } else if (helpDesk) {
      desk.append(h('p', {}, valueNode('help_desk', helpDesk)));
    } else {
      desk.append(h('p', {}, t('practical.none')));
    }
    const keys = Object.keys(others);
    if (keys.length) {
      desk.after(h('section', { 'aria-labelledby': 'pr-other' },
        h('h2', { id: 'pr-other' }, t('practical.other')),
        h('dl', { class: 'facts' }, keys.map((k) => [h('dt', {}, labelOf(k)), h('dd', {}, valueNode(k, others[k]))]))));
    }
    return null;
  },
};
