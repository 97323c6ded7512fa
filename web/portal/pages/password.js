// "/mot-de-passe": ask for a reset link, or from the mailed link (#TOKEN)
// set a new password (which ends every session of the voter).
import { tokenPage } from './token.js';

export default tokenPage({
  purpose: 'password',
  path: '/mot-de-passe',
  titleKey: 'password.title',
  ask: {
    intro: 'password.askIntro',
    submit: 'password.ask',
    sent: 'password.sent',
    send: (ctx, identifier, pow) => ctx.api.requestPasswordLink(identifier, pow),
  },
  legendKey: 'password.newLegend',
  submitKey: 'password.submit',
  notice: 'home.passwordChanged',
  send: (ctx, { token, password }) => ctx.api.resetPassword({ token, password }),
});
