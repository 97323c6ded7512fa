// What the <isoloir-booth> element (widget.js) decides without a DOM: its
// strings, the scrutin list's statuses and countdowns on the server's clock,
// the holder of the vote code with its 15-minute expiry, the choice's rules,
// the check of the cast's answer and which URLs from the manifest may be
// shown. Kept apart so that Jest runs it in Node with the real wasm booth.
import { IsoloirError } from './index.js';
import { formatCountdown, formatDateTime } from './i18n.js';

/** The code is forgotten after this long without a key, click or touch in the widget. */
export const IDLE_MS = 15 * 60 * 1000;
/** Countdowns and the idle check run this often. */
export const TICK_MS = 30 * 1000;

// The widget's own strings ({name} is filled by makeTranslator). The
// refusal reasons a voter can meet come from i18n.js's reasonMessage. The
// labels the ministry's journey names are kept word for word.
export const STRINGS = {
  fr: {
    booth: 'Isoloir',
    loading: 'Chargement de l’isoloir…',
    load_failed: 'L’isoloir n’a pas pu se charger ({reason}).',
    retry: 'Réessayer',
    alarm_election:
      'Alerte : l’élection servie par ce serveur n’est pas celle que cette page attend. Ne votez pas et contactez l’assistance.',
    signed_in_as: 'Connecté(e) : {name}',
    logout: 'Se déconnecter',
    logged_out: 'Vous êtes déconnecté(e).',
    steps: 'Étapes du vote',
    step_code: 'Code de vote',
    step_list: 'Choix du scrutin',
    step_ballot: 'Bulletin',
    step_vote: 'Vote',
    step_receipt: 'Accusé de réception',
    step_of: 'Étape {n} sur {total} : ',
    login_title: 'Connexion',
    login_intro: 'Connectez-vous avec votre identifiant et votre mot de passe pour voter.',
    login_portal: 'Vous n’êtes pas connecté(e), ou votre session a expiré.',
    login_link: 'Se connecter au portail',
    identifier: 'Identifiant (adresse électronique professionnelle)',
    password: 'Mot de passe',
    login_submit: 'Se connecter',
    pow_solving: 'Connexion en cours : votre navigateur effectue une vérification anti-robot…',
    code_title: 'Saisissez votre code de vote',
    code_intro:
      'Votre code de vote figure sur la notice que vous avez reçue. Il est vérifié ici, dans votre navigateur : il n’est jamais envoyé au serveur.',
    code_label: 'Code de vote',
    code_hint: '20 caractères, en 4 groupes de 5 (tirets et espaces facultatifs).',
    code_submit: 'Valider mon code',
    code_needed: 'Saisissez votre code de vote pour voter.',
    code_forgotten: 'Votre code de vote a été effacé.',
    idle_cleared:
      'Pour votre sécurité, votre code de vote a été effacé après 15 minutes d’inactivité. Saisissez-le à nouveau.',
    list_title: 'Choix du scrutin',
    list_intro: 'Vos scrutins (heure de Paris) :',
    status_open: 'À voter',
    status_voted: 'Voté',
    status_not_open: 'Pas encore ouvert',
    status_closed: 'Clos',
    when_open: 'Clôture dans {countdown}, le {date}',
    when_not_open: 'Ouverture dans {countdown}, le {date}',
    when_voted: 'Voté le {date}',
    when_closed: 'Clos depuis le {date}',
    vote_for: 'Voter',
    all_voted: 'Vous avez voté à tous vos scrutins. Merci de votre participation.',
    none_open: 'Aucun de vos scrutins n’est ouvert au vote en ce moment.',
    emargement_download: 'Télécharger mon émargement',
    quit: 'Quitter le vote (effacer mon code)',
    ballot_title: 'Constitution du bulletin',
    activate: "Je veux voter, j'active la sélection de mon choix de vote",
    activate_hint:
      'Prenez connaissance des listes et de leurs professions de foi, puis activez la sélection pour choisir.',
    activated: 'La sélection est activée : faites votre choix.',
    legend_one: '{title} : choisissez une liste ou le vote blanc',
    legend_one_plain: '{title} : choisissez une option',
    legend_range: '{title} : choisissez de {min} à {max} options',
    chosen_count: '{count} choix sur {max} au plus',
    profession: 'Profession de foi',
    new_tab: '(nouvel onglet)',
    continue: 'Valider mon choix',
    back: 'Retour',
    not_activated: 'Activez d’abord la sélection de votre choix de vote.',
    choice_too_few: 'Choisissez au moins {min} option(s).',
    choice_none: 'Choisissez une liste ou le vote blanc.',
    choice_too_many: 'Vous pouvez choisir au plus {max} option(s).',
    choice_unknown: 'Ce choix ne fait pas partie du bulletin.',
    confirm_title: 'Confirmation de votre vote',
    confirm_scrutin: 'Scrutin : {title}',
    confirm_choice: 'Votre choix :',
    confirm_definitive:
      'Votre vote est définitif : une fois déposé, il ne pourra plus être modifié. Cliquez sur « Je vote » pour le déposer dans l’urne, ou sur « Retour » pour revenir au bulletin.',
    vote: 'Je vote',
    voting_title: 'Vote en cours',
    voting: 'Votre navigateur chiffre votre bulletin puis le dépose dans l’urne…',
    cast_unknown:
      'La connexion a été interrompue pendant le dépôt : votre vote a peut-être été enregistré. Vérifiez l’état du scrutin ci-dessous avant de voter à nouveau.',
    receipt_title: 'Accusé de réception',
    receipt_intro: 'Votre vote a été enregistré dans l’urne.',
    receipt_scrutin: 'Scrutin',
    receipt_time: 'Date et heure du vote',
    receipt_reference: 'Référence de votre bulletin',
    receipt_reference_ok:
      'Cette référence, calculée par votre navigateur, est identique à celle enregistrée par l’urne.',
    receipt_signatures_ok:
      'La preuve de dépôt et l’émargement sont signés par l’urne ; votre navigateur a vérifié les signatures.',
    deposit_download: 'Télécharger ma preuve de dépôt',
    deposit_once:
      'La preuve de dépôt n’est disponible que maintenant : téléchargez-la et conservez-la. Elle permet de vérifier que votre bulletin figure dans l’urne.',
    receipt_next: 'Retour à la liste des scrutins',
    alarm_title: 'Alerte : le dépôt de votre bulletin n’a pas pu être vérifié.',
    alarm_reference_mismatch:
      'La référence enregistrée par l’urne ({server}) diffère de celle calculée par votre navigateur ({local}).',
    alarm_deposit_invalid: 'La preuve de dépôt n’est pas valide ({reason}).',
    alarm_deposit_mismatch: 'La preuve de dépôt ne correspond pas à ce bulletin.',
    alarm_emargement_invalid: 'L’émargement n’est pas valide ({reason}).',
    alarm_emargement_mismatch: 'L’émargement ne correspond pas à ce scrutin.',
    alarm_contact:
      'Téléchargez les deux documents, faites une capture de cet écran et contactez l’assistance.',
  },
  en: {
    booth: 'Isoloir',
    loading: 'Loading the voting booth…',
    load_failed: 'The voting booth could not load ({reason}).',
    retry: 'Try again',
    alarm_election:
      'Alert: the election this server serves is not the one this page expects. Do not vote and contact the help desk.',
    signed_in_as: 'Logged in: {name}',
    logout: 'Log out',
    logged_out: 'You are logged out.',
    steps: 'Voting steps',
    step_code: 'Vote code',
    step_list: 'Choose the election',
    step_ballot: 'Ballot',
    step_vote: 'Vote',
    step_receipt: 'Receipt',
    step_of: 'Step {n} of {total}: ',
    login_title: 'Log in',
    login_intro: 'Log in with your identifier and password to vote.',
    login_portal: 'You are not logged in, or your session has expired.',
    login_link: 'Log in on the portal',
    identifier: 'Identifier (work e-mail address)',
    password: 'Password',
    login_submit: 'Log in',
    pow_solving: 'Logging in: your browser is doing an anti-robot check…',
    code_title: 'Enter your vote code',
    code_intro:
      'Your vote code is on the notice you received. It is checked here, in your browser: it is never sent to the server.',
    code_label: 'Vote code',
    code_hint: '20 characters, in 4 groups of 5 (dashes and spaces optional).',
    code_submit: 'Confirm my code',
    code_needed: 'Enter your vote code to vote.',
    code_forgotten: 'Your vote code has been cleared.',
    idle_cleared:
      'For your security, your vote code was cleared after 15 minutes without activity. Please enter it again.',
    list_title: 'Choose the election',
    list_intro: 'Your elections (Paris time):',
    status_open: 'To vote',
    status_voted: 'Voted',
    status_not_open: 'Not open yet',
    status_closed: 'Closed',
    when_open: 'Closes in {countdown}, on {date}',
    when_not_open: 'Opens in {countdown}, on {date}',
    when_voted: 'Voted on {date}',
    when_closed: 'Closed since {date}',
    vote_for: 'Vote',
    all_voted: 'You have voted in all your elections. Thank you for taking part.',
    none_open: 'None of your elections is open for voting now.',
    emargement_download: 'Download my émargement (record of voting)',
    quit: 'Leave the booth (clear my code)',
    ballot_title: 'Your ballot',
    activate: 'I want to vote: enable the selection of my choice',
    activate_hint: 'Read the lists and their statements, then enable the selection to choose.',
    activated: 'The selection is enabled: make your choice.',
    legend_one: '{title}: choose one list or a blank vote',
    legend_one_plain: '{title}: choose one option',
    legend_range: '{title}: choose {min} to {max} options',
    chosen_count: '{count} chosen of {max} at most',
    profession: 'Statement (profession de foi)',
    new_tab: '(new tab)',
    continue: 'Confirm my choice',
    back: 'Back',
    not_activated: 'First enable the selection of your choice.',
    choice_too_few: 'Choose at least {min} option(s).',
    choice_none: 'Choose one list or a blank vote.',
    choice_too_many: 'You may choose at most {max} option(s).',
    choice_unknown: 'This choice is not on the ballot.',
    confirm_title: 'Confirm your vote',
    confirm_scrutin: 'Election: {title}',
    confirm_choice: 'Your choice:',
    confirm_definitive:
      'Your vote is final: once cast it cannot be changed. Press “Cast my vote” to put it in the ballot box, or “Back” to return to the ballot.',
    vote: 'Cast my vote',
    voting_title: 'Voting',
    voting: 'Your browser encrypts your ballot and puts it in the ballot box…',
    cast_unknown:
      'The connection was lost while casting: your vote may have been recorded. Check the election’s state below before voting again.',
    receipt_title: 'Receipt',
    receipt_intro: 'Your vote has been recorded in the ballot box.',
    receipt_scrutin: 'Election',
    receipt_time: 'Date and time of the vote',
    receipt_reference: 'Your ballot’s reference',
    receipt_reference_ok:
      'This reference, computed by your browser, is the same as the one the ballot box recorded.',
    receipt_signatures_ok:
      'The proof of deposit and the émargement are signed by the ballot box; your browser checked the signatures.',
    deposit_download: 'Download my proof of deposit',
    deposit_once:
      'The proof of deposit is available only now: download it and keep it. It lets you check that your ballot is in the ballot box.',
    receipt_next: 'Back to the list of elections',
    alarm_title: 'Alert: your ballot’s deposit could not be verified.',
    alarm_reference_mismatch:
      'The reference the ballot box recorded ({server}) differs from the one your browser computed ({local}).',
    alarm_deposit_invalid: 'The proof of deposit is not valid ({reason}).',
    alarm_deposit_mismatch: 'The proof of deposit does not match this ballot.',
    alarm_emargement_invalid: 'The émargement is not valid ({reason}).',
    alarm_emargement_mismatch: 'The émargement does not match this election.',
    alarm_contact: 'Download both documents, take a screenshot of this page and contact the help desk.',
  },
};

// --- the server's clock and the scrutin list ---------------------------------

/**
 * How far the server's clock is ahead of this device's (milliseconds):
 * `serverNowIso` is the `now` of /me/scrutins, `localMs` the device's
 * Date.now() when the answer arrived. The device clock may be wrong by
 * hours; countdowns add this offset to Date.now() and so follow the server.
 */
export function clockOffset(serverNowIso, localMs) {
  const server = Date.parse(serverNowIso);
  return Number.isFinite(server) ? server - localMs : 0;
}

/**
 * One scrutin of GET /api/v1/me/scrutins at the server time `serverNowMs`:
 * `{id, title, status, countdownMs, at}` with status 'voted', 'open',
 * 'not_open' or 'closed'; `countdownMs` until the next change of state
 * (opening or closing), `at` the time to show with it (ISO).
 */
export function scrutinStatus(s, serverNowMs) {
  const base = { id: s.id, title: s.title };
  if (s.voted) return { ...base, status: 'voted', countdownMs: 0, at: s.voted_at || '' };
  const opens = Date.parse(s.opens_at);
  const closes = Date.parse(s.closes_at);
  if (!Number.isFinite(opens) || !Number.isFinite(closes)) {
    // Times the device cannot read: trust the state the server computed.
    return { ...base, status: s.state === 'open' || s.state === 'not_open' ? s.state : 'closed', countdownMs: 0, at: '' };
  }
  // The manifest's window: opens_at <= t < closes_at (include/isoloir/manifest.h).
  if (serverNowMs < opens) return { ...base, status: 'not_open', countdownMs: opens - serverNowMs, at: s.opens_at };
  if (serverNowMs < closes) return { ...base, status: 'open', countdownMs: closes - serverNowMs, at: s.closes_at };
  return { ...base, status: 'closed', countdownMs: 0, at: s.closes_at };
}

/** Every scrutin of a /me/scrutins answer, `offset` (clockOffset) applied to `localNowMs`. */
export function scrutinStatuses(answer, offset, localNowMs) {
  const list = (answer && Array.isArray(answer.scrutins)) ? answer.scrutins : [];
  return list.map((s) => scrutinStatus(s, localNowMs + offset));
}

/** The badge and the line under it for one status, in `lang`, with `t` the widget's translator. */
export function statusText(item, lang, t) {
  const date = item.at ? formatDateTime(item.at, lang) : '';
  const countdown = formatCountdown(item.countdownMs, lang);
  switch (item.status) {
    case 'voted': return { badge: t('status_voted'), when: date ? t('when_voted', { date }) : '' };
    case 'open': return { badge: t('status_open'), when: date ? t('when_open', { countdown, date }) : '' };
    case 'not_open': return { badge: t('status_not_open'), when: date ? t('when_not_open', { countdown, date }) : '' };
    default: return { badge: t('status_closed'), when: date ? t('when_closed', { date }) : '' };
  }
}

// --- the vote code -----------------------------------------------------------

/**
 * Holds the voter's code while they vote, and forgets it after `idleMs`
 * without activity (touch()). The clock is injected for tests. JavaScript
 * cannot wipe a string; forgetting drops the only reference the widget has.
 */
export class CodeHolder {
  #code = '';
  #last;
  #now;
  #idleMs;

  constructor({ now = () => Date.now(), idleMs = IDLE_MS } = {}) {
    this.#now = now;
    this.#idleMs = idleMs;
    this.#last = now();
  }

  /** Keeps `code` (already normalised) and starts the idle time afresh. */
  set(code) {
    this.#code = String(code);
    this.#last = this.#now();
  }

  /** Some activity of the voter: the idle time starts again. */
  touch() {
    this.#last = this.#now();
  }

  /** True when `idleMs` or more passed since the last set() or touch(). */
  idle() {
    return this.#now() - this.#last >= this.#idleMs;
  }

  /** Forgets the code if idle; true if a code was forgotten now. */
  expireIfIdle() {
    if (this.#code && this.idle()) {
      this.#code = '';
      return true;
    }
    return false;
  }

  /** The code, or '' if none is held (or it has just expired). */
  get() {
    this.expireIfIdle();
    return this.#code;
  }

  get held() {
    return this.get() !== '';
  }

  clear() {
    this.#code = '';
  }
}

/**
 * Checks a typed code before anything is sent: its form (normalizeCode
 * throws IsoloirError 'bad_vote_code' on a typo), then that its credential
 * is the voter's current one (`expected`, from GET /api/v1/me): a code the
 * voter had before a re-issue (`revoked`, me.revoked_credentials) throws
 * 'revoked_credential' ("Votre code de vote a été invalidé"), any other code
 * 'wrong_code'. Returns the normalised code.
 */
export function checkCode(booth, electionId, input, expected, revoked = []) {
  const code = booth.normalizeCode(String(input));
  if (!expected) return code;
  const credential = booth.credential(electionId, code);
  if (credential === expected) return code;
  if (Array.isArray(revoked) && revoked.includes(credential)) {
    throw new IsoloirError('revoked_credential', 'this code was replaced by a re-issue');
  }
  throw new IsoloirError('wrong_code', 'the credential of this code is not the voter’s');
}

// --- the choice ----------------------------------------------------------------

/** The scrutin's rule: between min and max of its options, each once. `{ok}` or `{ok: false, reason}`. */
export function checkChoice(scrutin, optionIds) {
  const known = new Set((scrutin.options || []).map((o) => o.id));
  if (optionIds.some((id) => !known.has(id))) return { ok: false, reason: 'choice_unknown' };
  if (new Set(optionIds).size !== optionIds.length) return { ok: false, reason: 'choice_unknown' };
  if (optionIds.length < scrutin.min) return { ok: false, reason: optionIds.length === 0 ? 'choice_none' : 'choice_too_few' };
  if (optionIds.length > scrutin.max) return { ok: false, reason: 'choice_too_many' };
  return { ok: true };
}

// --- the cast's answer ------------------------------------------------------------

/**
 * Checks the answer of POST /api/v1/ballots against what the browser made:
 * the reference the server recorded must be the one computed here, the
 * deposit proof must be a valid deposit for this scrutin and reference, the
 * émargement a valid one for this scrutin (both signed by the manifest's
 * server key: verifyReceipt). `problems` lists what failed (alarm keys of
 * STRINGS with their parameters); `time` is the deposit's received_at.
 */
export function checkCast(booth, manifestText, { scrutin, reference }, answer) {
  const problems = [];
  const serverReference = answer && typeof answer.reference === 'string' ? answer.reference : '';
  if (serverReference !== reference) {
    problems.push({ key: 'alarm_reference_mismatch', params: { server: serverReference || '—', local: reference } });
  }
  const verify = (text) => (typeof text === 'string' ? booth.verifyReceipt(manifestText, text)
    : { ok: false, reason: 'missing', detail: '' });
  const deposit = verify(answer && answer.deposit);
  if (!deposit.ok) {
    problems.push({ key: 'alarm_deposit_invalid', params: { reason: deposit.reason } });
  } else if (deposit.kind !== 'deposit' || deposit.scrutin !== scrutin || deposit.reference !== reference) {
    problems.push({ key: 'alarm_deposit_mismatch', params: {} });
  }
  const emargement = verify(answer && answer.emargement);
  if (!emargement.ok) {
    problems.push({ key: 'alarm_emargement_invalid', params: { reason: emargement.reason } });
  } else if (emargement.kind !== 'emargement' || emargement.scrutin !== scrutin) {
    problems.push({ key: 'alarm_emargement_mismatch', params: {} });
  }
  return {
    ok: problems.length === 0,
    referenceMatches: serverReference === reference,
    receiptsValid: deposit.ok && emargement.ok && problems.every((p) => p.key === 'alarm_reference_mismatch'),
    problems,
    deposit,
    emargement,
    time: deposit.ok ? deposit.time : '',
  };
}

/** Checks an émargement fetched later (GET .../emargement) for `scrutin`. */
export function checkEmargement(booth, manifestText, scrutin, text) {
  const v = booth.verifyReceipt(manifestText, String(text));
  if (!v.ok) return { ok: false, key: 'alarm_emargement_invalid', params: { reason: v.reason } };
  if (v.kind !== 'emargement' || v.scrutin !== scrutin) return { ok: false, key: 'alarm_emargement_mismatch', params: {} };
  return { ok: true, time: v.time };
}

// --- what the manifest may show -----------------------------------------------------

const IMAGE_DATA_URI = /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/i;

/**
 * The `src` for an option's logo, or '' not to show it: a data: image URI,
 * or a URL of one of `origins` (the page's, the server's): a path such as
 * "/logos/fsu.png" is read on the server (`base`). Anything else would be a
 * third-party request the page's CSP blocks anyway (img-src 'self' data:).
 */
export function logoSource(logo, base, origins) {
  if (typeof logo !== 'string' || logo === '') return '';
  if (IMAGE_DATA_URI.test(logo)) return logo;
  if (logo.startsWith('//') || logo.includes('\\')) return '';
  let url;
  try {
    url = new URL(logo, base);
  } catch {
    return '';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return '';
  return origins.includes(url.origin) ? url.href : '';
}

/** An http(s) URL to link to (a profession de foi), or '' (javascript:, data:, junk). */
export function externalLink(value) {
  if (typeof value !== 'string') return '';
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : '';
  } catch {
    return '';
  }
}

/** The file name of a downloaded receipt: "preuve-de-depot-SCRUTIN.json", "emargement-SCRUTIN.json". */
export function receiptFileName(kind, scrutin) {
  const safe = String(scrutin).replace(/[^A-Za-z0-9._-]/g, '_');
  return kind === 'deposit' ? `preuve-de-depot-${safe}.json` : `emargement-${safe}.json`;
}

/** The stable reason of an error thrown by the api (ApiError) or the booth (IsoloirError). */
export function reasonOf(error) {
  if (error && typeof error.error === 'string') return error.error;
  if (error && typeof error.reason === 'string') return error.reason;
  return 'unknown';
}
