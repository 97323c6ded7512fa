// The language helpers the widget and the portal share (web/booth/i18n.js):
// the language chosen, strings looked up with their parameters, the message
// of each refusal and its fallback, dates in Paris time whatever the
// machine's zone (both DST changes), and the countdowns' rounding.
import { describe, expect, test } from '@jest/globals';
import {
  DEFAULT_LANGUAGE, ELECTION_TIME_ZONE, formatCountdown, formatDateTime, makeTranslator, pickLanguage, reasonMessage,
} from '../../web/booth/i18n.js';

const MIN = 60 * 1000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('pickLanguage', () => {
  test('English when asked in any form, French otherwise', () => {
    for (const en of ['en', 'EN', 'en-GB', 'en-us']) expect([en, pickLanguage(en)]).toEqual([en, 'en']);
    for (const fr of ['fr', 'fr-FR', '', null, undefined, 'de', 'eng', 'english', 'e']) {
      expect([fr, pickLanguage(fr)]).toEqual([fr, 'fr']);
    }
    expect(DEFAULT_LANGUAGE).toBe('fr');
  });
});

describe('makeTranslator', () => {
  const dict = { fr: { hello: 'Bonjour {name}', only_fr: 'seulement', n: '{a}+{a}={b}' }, en: { hello: 'Hello {name}' } };

  test('parameters filled, every occurrence; an unknown parameter is left visible', () => {
    expect(makeTranslator(dict, 'fr')('hello', { name: 'Jeanne' })).toBe('Bonjour Jeanne');
    expect(makeTranslator(dict, 'fr')('n', { a: 1, b: 2 })).toBe('1+1=2');
    expect(makeTranslator(dict, 'fr')('hello')).toBe('Bonjour {name}');
  });

  test('English falls back to French, then to the key itself', () => {
    const t = makeTranslator(dict, 'en-GB');
    expect(t('hello', { name: 'Jo' })).toBe('Hello Jo');
    expect(t('only_fr')).toBe('seulement');
    expect(t('missing_key')).toBe('missing_key');
  });

  test('keys of Object.prototype are not strings of the dictionary', () => {
    const t = makeTranslator(dict, 'fr');
    expect(t('constructor')).toBe('constructor');
    expect(t('toString')).toBe('toString');
    expect(t('__proto__')).toBe('__proto__');
  });
});

describe('reasonMessage', () => {
  test('each language has a message for the refusals a voter meets', () => {
    for (const reason of ['bad_vote_code', 'wrong_code', 'already_voted', 'window_closed', 'window_not_open',
      'not_logged_in', 'bad_login', 'unknown_credential', 'network_error', 'deposit_already_served']) {
      const fr = reasonMessage('fr', reason);
      const en = reasonMessage('en', reason);
      expect([reason, fr === en, /refusé|refused/.test(fr + en)]).toEqual([reason, false, false]);
    }
    expect(reasonMessage('fr', 'already_voted')).toBe('Vous avez déjà voté pour ce scrutin : votre vote est définitif.');
  });

  test('429: the wait in seconds', () => {
    expect(reasonMessage('fr', 'locked', 900)).toMatch(/dans 900 secondes/);
    expect(reasonMessage('en', 'too_many_attempts', 30)).toBe('Too many attempts: try again in 30 seconds.');
    // 503 busy (too many links waiting to be mailed) carries a Retry-After too.
    expect(reasonMessage('fr', 'busy', 60)).toBe('Le serveur est très sollicité : réessayez dans 60 secondes.');
    expect(reasonMessage('en', 'busy', 60)).toBe('The server is very busy: try again in 60 seconds.');
  });

  test('an unknown reason is named in a generic message, never a crash or a blank', () => {
    expect(reasonMessage('fr', 'internal_error')).toBe(
      'La demande a été refusée (internal_error). Rien n’a été enregistré : contactez l’assistance.');
    expect(reasonMessage('en', 'frobnicated')).toMatch(/^The request was refused \(frobnicated\)/);
    expect(reasonMessage('fr', 'constructor')).toMatch(/^La demande a été refusée \(constructor\)/);
    expect(reasonMessage('en', 'toString')).toMatch(/\(toString\)/);
    expect(reasonMessage('fr', undefined)).toMatch(/\(undefined\)/);
  });
});

describe('formatDateTime: Paris time, whatever the machine\'s zone', () => {
  test('winter (UTC+1) and summer (UTC+2)', () => {
    expect(ELECTION_TIME_ZONE).toBe('Europe/Paris');
    expect(formatDateTime('2026-12-01T09:00:00Z', 'fr')).toBe('mardi 1 décembre 2026 à 10:00');
    expect(formatDateTime('2026-12-01T09:00:00Z', 'en')).toBe('Tuesday, 1 December 2026 at 10:00');
    expect(formatDateTime('2026-07-14T08:00:00Z', 'fr')).toBe('mardi 14 juillet 2026 à 10:00');
  });

  test('across the spring change (29 March 2026, 02:00 -> 03:00)', () => {
    expect(formatDateTime('2026-03-29T00:59:00Z', 'fr')).toBe('dimanche 29 mars 2026 à 01:59');
    expect(formatDateTime('2026-03-29T01:00:00Z', 'fr')).toBe('dimanche 29 mars 2026 à 03:00');
  });

  test('across the autumn change (25 October 2026, 03:00 -> 02:00)', () => {
    expect(formatDateTime('2026-10-25T00:59:00Z', 'fr')).toBe('dimanche 25 octobre 2026 à 02:59');
    expect(formatDateTime('2026-10-25T01:00:00Z', 'fr')).toBe('dimanche 25 octobre 2026 à 02:00');
    expect(formatDateTime('2026-10-25T02:00:00Z', 'fr')).toBe('dimanche 25 octobre 2026 à 03:00');
  });

  test('months whose names \\w does not match: février, août, décembre', () => {
    expect(formatDateTime('2027-02-15T07:30:00Z', 'fr')).toBe('lundi 15 février 2027 à 08:30');
    expect(formatDateTime('2026-08-15T15:05:00Z', 'fr')).toBe('samedi 15 août 2026 à 17:05');
    expect(formatDateTime('2026-12-08T16:00:00Z', 'fr')).toBe('mardi 8 décembre 2026 à 17:00');
    expect(formatDateTime('2026-08-15T15:05:00Z', 'fr')).toMatch(/^\p{L}+ \d+ \p{L}+ 20\d\d à \d\d:\d\d$/u);
  });

  test('the year ends in Paris an hour before UTC', () => {
    expect(formatDateTime('2026-12-31T22:59:00Z', 'fr')).toBe('jeudi 31 décembre 2026 à 23:59');
    expect(formatDateTime('2026-12-31T23:00:00Z', 'fr')).toBe('vendredi 1 janvier 2027 à 00:00');
  });

  test('midnight in Paris is the day before in UTC', () => {
    expect(formatDateTime('2026-11-30T23:30:00Z', 'fr')).toBe('mardi 1 décembre 2026 à 00:30');
  });
});

describe('formatCountdown', () => {
  test('minutes are rounded up: never "0 min" while time is left', () => {
    expect(formatCountdown(1, 'fr')).toBe('1 min');
    expect(formatCountdown(MIN, 'fr')).toBe('1 min');
    expect(formatCountdown(MIN + 1, 'fr')).toBe('2 min');
    expect(formatCountdown(59 * MIN + 1, 'fr')).toBe('1 h 0 min');
  });

  test('zero, negative, and the day, hour boundaries', () => {
    expect(formatCountdown(0, 'fr')).toBe('0 min');
    expect(formatCountdown(-5 * MIN, 'en')).toBe('0 min');
    expect(formatCountdown(HOUR, 'fr')).toBe('1 h 0 min');
    expect(formatCountdown(DAY - 1, 'fr')).toBe('1 j 0 h 0 min');
    expect(formatCountdown(DAY, 'fr')).toBe('1 j 0 h 0 min');
    expect(formatCountdown(DAY + 1, 'fr')).toBe('1 j 0 h 1 min');
    expect(formatCountdown(8 * DAY, 'en')).toBe('8 d 0 h 0 min');
    expect(formatCountdown(2 * DAY + 3 * HOUR + 15 * MIN, 'fr')).toBe('2 j 3 h 15 min');
    expect(formatCountdown(2 * DAY + 3 * HOUR + 15 * MIN, 'en')).toBe('2 d 3 h 15 min');
  });
});
