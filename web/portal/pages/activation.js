// "/activation": ask for an activation link, or from the mailed link
// (#TOKEN) set the password and the challenge question.
import { h } from '../dom.js';
import { field } from '../forms.js';
import { QUESTIONS } from '../strings.js';
import { tokenPage } from './token.js';

// The challenge question: one of a list (in the voter's language, stored as
// shown) and its answer, which the server normalises before hashing.
function challenge(ctx) {
  const t = ctx.t;
  const questions = QUESTIONS[ctx.lang] || QUESTIONS.fr;
  const question = field(ctx, {
    label: t('activation.question'), tag: 'select', required: true,
    attrs: { name: 'question' },
    children: [h('option', { value: '' }, t('activation.choose')), questions.map((q) => h('option', { value: q }, q))],
  });
  const answer = field(ctx, {
    label: t('activation.answer'), hint: t('activation.answerHint'), required: true,
    attrs: { type: 'text', name: 'answer', autocomplete: 'off', maxlength: '100', spellcheck: 'false' },
  });
  question.input.addEventListener('change', () => question.setError(''));
  answer.input.addEventListener('input', () => answer.setError(''));
  return {
    fieldset: h('fieldset', {},
      h('legend', {}, t('activation.questionLegend')),
      h('p', { class: 'hint' }, t('activation.questionHint')),
      question.row, answer.row),
    check() {
      question.setError(question.input.value ? '' : t('activation.chooseQuestion'));
      answer.setError(answer.input.value.trim() ? '' : t('common.fieldRequired'));
      if (!question.input.value) return question.input;
      if (!answer.input.value.trim()) return answer.input;
      return null;
    },
    values: () => ({ question: question.input.value, answer: answer.input.value }),
  };
}

export default tokenPage({
  purpose: 'activation',
  path: '/activation',
  titleKey: 'activation.title',
  ask: {
    intro: 'activation.askIntro',
    submit: 'activation.ask',
    sent: 'activation.sent',
    send: (ctx, identifier, pow) => ctx.api.requestActivationLink(identifier, pow),
  },
  legendKey: 'password.legend',
  submitKey: 'activation.submit',
  notice: 'home.activated',
  send: (ctx, values) => ctx.api.activate(values),
  extra: challenge,
});
