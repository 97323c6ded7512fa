// What the portal checks as the voter types. First the password rule, the
// same as the server's (server/src/password.cpp), so that the live feedback
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
