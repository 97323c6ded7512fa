// What the portal checks as the voter types. First the password rule, the
// same as the server's (server/src/portal/password.cpp), so that the live feedback
// and the server's answer (weak_password, with its `classes`) agree:
//
//  - length: 12 code points or more (control characters do not count),
//    128 bytes of UTF-8 at most;
//  - upper, lower: a Latin letter (A-Z, a-z, Latin-1 and Latin Extended-A
//    letters such as É, é, Œ, œ) of that case;
//  - digit: 0-9;
//  - special: anything else that is neither a Latin letter nor a digit
//    (punctuation, space, other scripts); combining accents do not count.
//
// Also the forms of a ballot reference and a mailed token. Pure functions,
// no DOM: tested in Node (tests/js/portal.test.mjs).

export const PASSWORD_MIN_CODE_POINTS = 12;
export const PASSWORD_MAX_BYTES = 128;
export const PASSWORD_RULES = ['length', 'upper', 'lower', 'digit', 'special'];

function isControl(cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

function isCombiningMark(cp) {
  return cp >= 0x300 && cp <= 0x36f;
}

function isLatinLetter(cp) {
  return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) ||
    (cp >= 0xc0 && cp <= 0x17f && cp !== 0xd7 && cp !== 0xf7);
}

// Latin Extended-A alternates upper/lower in pairs, but the pairs change
// parity twice (after ĸ U+0138 and after ŉ U+0149); ĸ, ŉ, ſ are lower.
function isUpperExtendedA(cp) {
  if (cp <= 0x137) return cp % 2 === 0;
  if (cp >= 0x139 && cp <= 0x148) return cp % 2 === 1;
  if (cp >= 0x14a && cp <= 0x177) return cp % 2 === 0;
  if (cp === 0x178) return true;
  if (cp >= 0x179 && cp <= 0x17e) return cp % 2 === 1;
  return false;
}

function isUpper(cp) {
  if (!isLatinLetter(cp)) return false;
  if (cp < 0x80) return cp <= 0x5a;
  if (cp < 0x100) return cp <= 0xde;
  return isUpperExtendedA(cp);
}

function isDigit(cp) {
  return cp >= 0x30 && cp <= 0x39;
}

/** {length, upper, lower, digit, special}: which parts of the rule `password` meets. */
export function passwordClasses(password) {
  const c = { length: false, upper: false, lower: false, digit: false, special: false };
  let codePoints = 0;
  for (const ch of String(password)) {
    const cp = ch.codePointAt(0);
    if (isControl(cp)) continue;
    codePoints += 1;
    if (isCombiningMark(cp)) continue;
    const latin = isLatinLetter(cp);
    if (latin && isUpper(cp)) c.upper = true;
    if (latin && !isUpper(cp)) c.lower = true;
    if (isDigit(cp)) c.digit = true;
    if (!latin && !isDigit(cp)) c.special = true;
  }
  const bytes = new TextEncoder().encode(String(password)).length;
  c.length = codePoints >= PASSWORD_MIN_CODE_POINTS && bytes <= PASSWORD_MAX_BYTES;
  return c;
}

/** True when every part of the rule is met. */
export function passwordOk(classes) {
  return PASSWORD_RULES.every((rule) => classes[rule] === true);
}

/** The UTF-8 length of a text: the server counts a réclamation's 4000 in bytes. */
export function utf8Length(text) {
  return new TextEncoder().encode(String(text)).length;
}

/** A ballot reference: 43 base64url characters (SHA-256). Spaces pasted around it are dropped. */
export function cleanReference(input) {
  const ref = String(input).replace(/\s+/g, '');
  return /^[A-Za-z0-9_-]{43}$/.test(ref) ? ref : null;
}

/** A mailed link's token (43 base64url characters), or null. */
export function cleanToken(fragment) {
  const token = String(fragment || '').replace(/^#/, '');
  return /^[A-Za-z0-9_-]{43}$/.test(token) ? token : null;
}

// --- the vote code's re-issue (réassort) ---------------------------------------
//
// The identity data as the server checks them (server/src/portal/portal_reissue.cpp):
// a NUMEN is 13 digits or upper-case letters; the social-security number is
// given by its first 10 digits. The page tidies what is typed (spaces,
// dots and dashes dropped, letters upper-cased) and says what is wrong before
// anything is sent. Each check returns {value} or {error, count}: `error` a
// key of the portal's dictionary ('reissue.numen*', 'reissue.nir*').

export const NUMEN_LENGTH = 13;
export const NIR_DIGITS = 10;

/** A NUMEN as typed, tidied: separators dropped, upper case. */
export function tidyNumen(input) {
  return String(input).replace(/[\s.\-_]/g, '').toUpperCase();
}

/** {value} for a well-formed NUMEN (13 digits or letters, any case typed), else {error, count}. */
export function checkNumen(input) {
  const v = tidyNumen(input);
  if (!v) return { error: 'common.fieldRequired', count: 0 };
  if (!/^[0-9A-Z]*$/.test(v)) return { error: 'reissue.numenChars', count: v.length };
  if (v.length !== NUMEN_LENGTH) return { error: 'reissue.numenLength', count: v.length };
  return { value: v };
}

/**
 * {value} for the first 10 characters of a social-security number, else
 * {error, count}: digits, except the department (6th and 7th) which is 2A
 * or 2B for Corsica, as the server checks (server/src/text/text.cpp).
 */
export function checkNir(input) {
  const v = String(input).replace(/[\s.\-_]/g, '').toUpperCase();
  if (!v) return { error: 'common.fieldRequired', count: 0 };
  if (!/^[0-9]{5}(?:[0-9]{2}|2A|2B)?[0-9]*$/.test(v)) return { error: 'reissue.nirChars', count: v.length };
  if (v.length !== NIR_DIGITS) return { error: 'reissue.nirLength', count: v.length };
  return { value: v };
}

/**
 * {value} (lower-cased) for a personal e-mail address that differs from the
 * login identifier, else {error}: the link must not go to the mailbox whose
 * password reset could be in someone else's hands.
 */
export function checkPersonalEmail(input, identifier) {
  const v = String(input).trim();
  if (!v) return { error: 'common.fieldRequired' };
  if (!plainEmail(v)) return { error: 'reissue.emailInvalid' };
  if (v.toLowerCase() === String(identifier || '').trim().toLowerCase()) return { error: 'reissue.emailSame' };
  return { value: v.toLowerCase() };
}

// The server's rule (server/src/text/text.cpp, email_problem): a dot-atom local
// part of at most 64 characters, a domain of at least two labels of letters,
// digits and inner hyphens, 254 bytes in all (ASCII only, so characters).
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const PLAIN_EMAIL = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*@${LABEL}(?:\\.${LABEL})+$`);
// What the server's masked_email makes of such an address: its first
// character, three stars, then the domain: "j***@example.net".
const MASKED_EMAIL = new RegExp(`^${ATEXT}\\*\\*\\*@${LABEL}(?:\\.${LABEL})+$`);

/** Whether `v` is an address the server would send a link to. */
export function plainEmail(v) {
  const s = String(v);
  return s.length <= 254 && PLAIN_EMAIL.test(s) && s.indexOf('@') <= 64;
}

/**
 * The outcome the FranceConnect route puts in the query of /reassort
 * (`search` is location.search): {sent, to} or {error} or null. Anyone can
 * make such an address and send it round, so `to` is kept only when it has
 * the form of the server's masked address (j***@example.net) and is '' (the
 * page then says "your e-mail address") otherwise: the page never shows
 * text of the link's author as the server's word.
 */
export function reissueOutcome(search) {
  const q = new URLSearchParams(search);
  if (q.has('sent')) {
    const to = q.get('to') || '';
    return { sent: q.get('sent'), to: q.get('sent') === 'email' && to.length <= 254 && MASKED_EMAIL.test(to) ? to : '' };
  }
  if (q.has('error')) return { error: q.get('error') || '' };
  return null;
}

/** The four groups of five of a vote code in display form ("D7ZZV-RHNQ7-..."). */
export function codeGroups(display) {
  return String(display).split('-').filter(Boolean);
}

/**
 * Whole seconds left to show the re-issued code, from the module's
 * `remaining` (fractional seconds): rounded up, so that 0 means gone.
 */
export function wholeSeconds(remaining) {
  const s = Number(remaining);
  return Number.isFinite(s) && s > 0 ? Math.ceil(s) : 0;
}

/** The re-issued code's countdown: "1:59", "0:05", "0:00" (minutes:seconds). */
export function formatClock(seconds) {
  const s = wholeSeconds(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * The same countdown in words for screen readers and the timer's label:
 * "1 minute 59 secondes", "5 secondes" / "1 minute 59 seconds".
 */
export function formatSecondsWords(seconds, lang = 'fr') {
  const s = wholeSeconds(seconds);
  const en = lang === 'en';
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  const unit = (n, fr, frs, enOne, enMany) => `${n} ${en ? (n === 1 ? enOne : enMany) : (n > 1 ? frs : fr)}`;
  const parts = [];
  if (minutes) parts.push(unit(minutes, 'minute', 'minutes', 'minute', 'minutes'));
  if (rest || !minutes) parts.push(unit(rest, 'seconde', 'secondes', 'second', 'seconds'));
  return parts.join(' ');
}
