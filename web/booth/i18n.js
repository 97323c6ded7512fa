// The booth's languages: French by default, English available. The widget and
// the portal each keep their own dictionary of strings; this module holds
// what they share: choosing the language, looking strings up with
// parameters, the messages for the server's and the booth's refusal reasons,
// and times shown in Paris time with the countdowns of the voting window.

export const LANGUAGES = ['fr', 'en'];
export const DEFAULT_LANGUAGE = 'fr';
// The election's legal time: every date shown to a voter is Paris time,
// whatever the device's own time zone.
export const ELECTION_TIME_ZONE = 'Europe/Paris';

/** 'fr' or 'en' from a requested tag ("en-GB", "fr", "", null): French unless English is asked. */
export function pickLanguage(requested) {
  const tag = String(requested || '').toLowerCase();
  return tag === 'en' || tag.startsWith('en-') ? 'en' : DEFAULT_LANGUAGE;
}

/**
 * A lookup function over `dictionaries` ({fr: {...}, en: {...}}) for `lang`:
 * t('key', {name: 'x'}) replaces {name} in the string. A key missing in
 * English falls back to French; a key missing everywhere is returned as is
 * (visible in tests, never a crash).
 */
export function makeTranslator(dictionaries, lang) {
  const table = dictionaries[pickLanguage(lang)] || {};
  const fallback = dictionaries[DEFAULT_LANGUAGE] || {};
  return (key, params = {}) => {
    // Own keys only: 'constructor' or 'toString' are not strings of ours.
    const text = Object.hasOwn(table, key) ? table[key] : Object.hasOwn(fallback, key) ? fallback[key] : key;
    return String(text).replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
  };
}

// What a voter can do about each refusal, in their words. Reasons are the
// stable codes of PROTOCOL.md, the booth (IsoloirError) and docs/api.md.
const REASONS = {
  fr: {
    bad_vote_code:
      "Ce code de vote n'est pas valide : vérifiez chaque caractère (20 caractères, en 4 groupes de 5).",
    wrong_code: 'Ce code de vote ne correspond pas à votre compte. Vérifiez-le sur votre notice.',
    unknown_credential:
      "Ce code de vote n'est pas (ou plus) le vôtre : votre code a peut-être été invalidé par un réassort.",
    revoked_credential: 'Votre code de vote a été invalidé.',
    already_voted: 'Vous avez déjà voté pour ce scrutin : votre vote est définitif.',
    window_not_open: "Ce scrutin n'est pas encore ouvert.",
    window_closed: 'Ce scrutin est clos : il n’est plus possible de voter.',
    not_eligible: "Vous n'êtes pas inscrit(e) sur la liste électorale de ce scrutin.",
    bad_login: 'Identifiant ou mot de passe incorrect.',
    too_many_attempts: 'Trop de tentatives : réessayez dans {seconds} secondes.',
    locked: 'Compte bloqué après trop d’échecs : réessayez dans {seconds} secondes.',
    not_logged_in: 'Votre session a expiré : reconnectez-vous.',
    csrf_failed: 'La page a expiré : rechargez-la.',
    weak_password: 'Ce mot de passe ne respecte pas les règles.',
    bad_answer: 'La réponse à la question de sécurité est vide ou illisible.',
    bad_token: "Ce lien n'est pas valide : demandez-en un nouveau.",
    token_used: 'Ce lien a déjà servi : demandez-en un nouveau.',
    token_expired: 'Ce lien a expiré : demandez-en un nouveau.',
    already_active: 'Ce compte est déjà activé : connectez-vous.',
    deposit_already_served: 'La preuve de dépôt ne se télécharge qu’une fois, au moment du vote.',
    not_voted: "Vous n'avez pas encore voté pour ce scrutin.",
    mail_unavailable: "Le message n'a pas pu être envoyé : réessayez dans quelques minutes.",
    busy: 'Le serveur est très sollicité : réessayez dans {seconds} secondes.',
    network_error: 'Le serveur ne répond pas : vérifiez votre connexion puis réessayez.',
    not_found: 'Introuvable.',
    pow_required: 'La vérification anti-robot manque : rechargez la page.',
    bad_pow: 'La vérification anti-robot a échoué : réessayez.',
    pow_expired: 'La vérification anti-robot a expiré : réessayez.',
    pow_replayed: 'La vérification anti-robot a déjà servi : réessayez.',
    reissue_refused:
      'La réponse à votre question ou votre NUMEN (ou numéro de sécurité sociale) est incorrect.',
    bad_numen: 'Le NUMEN compte 13 caractères, chiffres et lettres majuscules.',
    bad_nir: 'Indiquez les 10 premiers chiffres de votre numéro de sécurité sociale.',
    same_email: 'Indiquez une adresse personnelle, différente de votre identifiant.',
    bad_email: "Cette adresse électronique n'est pas valide.",
    no_phone: "Aucun numéro de portable n'est enregistré : choisissez la messagerie.",
    sms_unavailable: "Le SMS n'a pas pu être envoyé : réessayez dans quelques minutes.",
    foreign_token: "Ce lien est celui d'un autre électeur.",
    code_expired: 'Le code n’est plus affiché : il a été effacé après 120 secondes.',
    too_many_reclamations: 'Vous avez atteint le nombre maximal de réclamations.',
    malformed: 'La demande est incomplète ou mal formée.',
    unknown: 'La demande a été refusée ({reason}). Rien n’a été enregistré : contactez l’assistance.',
  },
  en: {
    bad_vote_code:
      'This vote code is not valid: check every character (20 characters, 4 groups of 5).',
    wrong_code: 'This vote code does not match your account. Check it on your notice.',
    unknown_credential:
      'This vote code is not (or no longer) yours: it may have been replaced by a new code.',
    revoked_credential: 'Your vote code has been invalidated.',
    already_voted: 'You have already voted in this election: your vote is final.',
    window_not_open: 'This election is not open yet.',
    window_closed: 'This election is closed: voting is no longer possible.',
    not_eligible: 'You are not on the electoral list of this election.',
    bad_login: 'Wrong identifier or password.',
    too_many_attempts: 'Too many attempts: try again in {seconds} seconds.',
    locked: 'Account locked after too many failures: try again in {seconds} seconds.',
    not_logged_in: 'Your session has expired: please log in again.',
    csrf_failed: 'This page has expired: please reload it.',
    weak_password: 'This password does not follow the rules.',
    bad_answer: 'The answer to the security question is empty or unreadable.',
    bad_token: 'This link is not valid: ask for a new one.',
    token_used: 'This link has been used already: ask for a new one.',
    token_expired: 'This link has expired: ask for a new one.',
    already_active: 'This account is active already: log in.',
    deposit_already_served: 'The proof of deposit can be downloaded only once, when you vote.',
    not_voted: 'You have not voted in this election yet.',
    mail_unavailable: 'The message could not be sent: try again in a few minutes.',
    busy: 'The server is very busy: try again in {seconds} seconds.',
    network_error: 'The server does not answer: check your connection and try again.',
    not_found: 'Not found.',
    pow_required: 'The anti-robot check is missing: reload the page.',
    bad_pow: 'The anti-robot check failed: try again.',
    pow_expired: 'The anti-robot check has expired: try again.',
    pow_replayed: 'The anti-robot check was used already: try again.',
    reissue_refused:
      'The answer to your question or your NUMEN (or social-security number) is wrong.',
    bad_numen: 'A NUMEN has 13 characters, digits and capital letters.',
    bad_nir: 'Give the first 10 digits of your social-security number.',
    same_email: 'Give a personal address, other than your identifier.',
    bad_email: 'This e-mail address is not valid.',
    no_phone: 'No mobile number is on file: choose e-mail.',
    sms_unavailable: 'The text message could not be sent: try again in a few minutes.',
    foreign_token: "This link is another voter's.",
    code_expired: 'The code is no longer shown: it was wiped after 120 seconds.',
    too_many_reclamations: 'You have filed the maximum number of complaints.',
    malformed: 'The request is incomplete or malformed.',
    unknown: 'The request was refused ({reason}). Nothing was recorded: contact the help desk.',
  },
};

/** The message for a refusal reason; `seconds` fills the 429 messages. */
export function reasonMessage(lang, reason, seconds = 0) {
  const t = makeTranslator(REASONS, lang);
  const known = Object.hasOwn(REASONS.fr, reason);
  return known ? t(reason, { seconds }) : t('unknown', { reason: String(reason) });
}

/** A date and time in Paris time, e.g. "mardi 1 décembre 2026 à 10:00" for 2026-12-01T09:00:00Z. */
export function formatDateTime(iso, lang) {
  const locale = pickLanguage(lang) === 'en' ? 'en-GB' : 'fr-FR';
  return new Intl.DateTimeFormat(locale, {
    timeZone: ELECTION_TIME_ZONE,
    dateStyle: 'full',
    timeStyle: 'short',
  }).format(new Date(iso));
}

/**
 * The time left until a deadline in days, hours and minutes ("2 j 3 h 15 min",
 * "2 d 3 h 15 min"); minutes are rounded up, so it never shows 0 min while
 * time is left. Zero or less: "0 min".
 */
export function formatCountdown(milliseconds, lang) {
  const en = pickLanguage(lang) === 'en';
  let minutes = Math.max(0, Math.ceil(milliseconds / 60000));
  const days = Math.floor(minutes / 1440);
  minutes -= days * 1440;
  const hours = Math.floor(minutes / 60);
  minutes -= hours * 60;
  const parts = [];
  if (days) parts.push(`${days} ${en ? 'd' : 'j'}`);
  if (days || hours) parts.push(`${hours} h`);
  parts.push(`${minutes} min`);
  return parts.join(' ');
}
