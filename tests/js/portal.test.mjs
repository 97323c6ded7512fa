// The portal's pure rules (web/portal/rules.js): the live password feedback
// must say exactly what the server will (server/src/portal/password.cpp; these are
// the cases of server/tests/password_test.cpp), and the forms of a ballot
// reference and of a mailed token.
import { sha256b64url } from './support.mjs';
import { cleanReference, cleanToken, passwordClasses, passwordOk, utf8Length } from '../../web/portal/rules.js';

const classes = (length, upper, lower, digit, special) => ({ length, upper, lower, digit, special });

describe('the password rule, as the server applies it', () => {
  test('a password that meets it', () => {
    expect(passwordClasses('Correct-Horse9')).toEqual(classes(true, true, true, true, true));
    expect(passwordOk(passwordClasses('Correct-Horse9'))).toBe(true);
  });

  test.each([
    ['Co-9rrect', classes(false, true, true, true, true)],
    ['correct-horse9', classes(true, false, true, true, true)],
    ['CORRECT-HORSE9', classes(true, true, false, true, true)],
    ['Correct-Horse!', classes(true, true, true, false, true)],
    ['CorrectHorse9', classes(true, true, true, true, false)],
    ['', classes(false, false, false, false, false)],
    ['abc', classes(false, false, true, false, false)],
  ])('%j names what is missing', (password, expected) => {
    expect(passwordClasses(password)).toEqual(expected);
    expect(passwordOk(expected)).toBe(false);
  });

  test('counts code points, not bytes nor UTF-16 units', () => {
    expect(passwordClasses('Éléphant-é9').length).toBe(false); // 11 code points, 14 bytes
    expect(passwordClasses('Éléphant-éé9').length).toBe(true);
    expect(passwordClasses('Aa1!€€€€€€€€').length).toBe(true);
    expect(passwordClasses('Aa1!😀😀😀😀😀😀😀').length).toBe(false); // 11 code points, 18 UTF-16 units
  });

  test('a combining accent is a character but no class', () => {
    expect(passwordClasses('Abcdefghij1\u0301')).toEqual(classes(true, true, true, true, false));
  });

  test('accented letters have a case; other scripts and symbols are special', () => {
    expect(passwordOk(passwordClasses('ÉLÉPHANT-12!é'))).toBe(true);
    expect(passwordOk(passwordClasses('éléphant-12!É'))).toBe(true);
    const cases = [
      ['É', true, false, false], ['é', false, true, false], ['Ç', true, false, false],
      ['ß', false, true, false], ['œ', false, true, false], ['Œ', true, false, false],
      ['Ÿ', true, false, false], ['ÿ', false, true, false], ['Ł', true, false, false],
      ['ł', false, true, false], ['ĸ', false, true, false], ['Ĺ', true, false, false],
      ['ĺ', false, true, false], ['Ź', true, false, false], ['ž', false, true, false],
      ['×', false, false, true], ['÷', false, false, true], ['²', false, false, true],
      ['Ω', false, false, true], [' ', false, false, true], ['\u00a0', false, false, true],
      ['€', false, false, true], ["'", false, false, true],
    ];
    for (const [text, upper, lower, special] of cases) {
      const c = passwordClasses(text);
      expect([text, c.upper, c.lower, c.special, c.digit]).toEqual([text, upper, lower, special, false]);
    }
  });

  test('at most 128 bytes of UTF-8', () => {
    const max = `Aa1!${'x'.repeat(124)}`;
    expect(passwordClasses(max).length).toBe(true);
    expect(passwordClasses(`${max}x`).length).toBe(false);
    expect(passwordClasses(`A1!${'é'.repeat(65)}`).length).toBe(false); // 68 code points, 133 bytes
  });
});

describe('references, tokens, lengths', () => {
  const ref = sha256b64url('a ballot'); // 43 characters
  test('a reference is 43 base64url characters; spaces around and inside are dropped', () => {
    expect(cleanReference(ref)).toBe(ref);
    expect(cleanReference(`  ${ref.slice(0, 20)} ${ref.slice(20)}\n`)).toBe(ref);
    expect(cleanReference(ref.slice(1))).toBeNull();
    expect(cleanReference(`${ref}A`)).toBeNull();
    expect(cleanReference(`${ref.slice(1)}=`)).toBeNull();
    expect(cleanReference(`${ref.slice(1)}+`)).toBeNull();
    expect(cleanReference('')).toBeNull();
  });
  test('a token comes from the fragment', () => {
    expect(cleanToken(`#${ref}`)).toBe(ref);
    expect(cleanToken(ref)).toBe(ref);
    expect(cleanToken('#app')).toBeNull();
    expect(cleanToken('')).toBeNull();
    expect(cleanToken(null)).toBeNull();
  });
  test('a réclamation is counted in UTF-8 bytes, as the server counts it', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('réclamation')).toBe(12);
    expect(utf8Length('€')).toBe(3);
  });
});
