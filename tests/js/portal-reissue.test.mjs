// The re-issue page's own checks (web/portal/rules.js): the NUMEN, the first
// 10 digits of the social-security number and the personal e-mail, as the
// server's rules (server/src/portal/portal_reissue.cpp) take them; the code's groups
// and the countdown of its 120 seconds on screen; and the proof of work's
// retry (web/portal/pow.js) with the server's difficulty at 0.
import { describe, expect, test } from '@jest/globals';
import { checkNir, checkNumen, checkPersonalEmail, codeGroups, formatClock, formatSecondsWords, plainEmail,
  reissueOutcome, tidyNumen, wholeSeconds } from '../../web/portal/rules.js';
import { withPow } from '../../web/portal/pow.js';
import { STRINGS } from '../../web/portal/strings.js';

describe('the NUMEN: 13 digits or capital letters', () => {
  test('what is typed is tidied: upper case, separators dropped', () => {
    expect(tidyNumen('08e06 123-00.abc')).toBe('08E0612300ABC');
    expect(checkNumen('08e0612300abc')).toEqual({ value: '08E0612300ABC' });
    expect(checkNumen(' 08E0612300ABC ')).toEqual({ value: '08E0612300ABC' });
  });

  test.each([
    ['', 'common.fieldRequired', 0],
    ['   ', 'common.fieldRequired', 0],
    ['08E06', 'reissue.numenLength', 5],
    ['08E0612300ABCD', 'reissue.numenLength', 14],
    ['08E0612300AB!', 'reissue.numenChars', 13],
    ['08E0612300ABÉ', 'reissue.numenChars', 13], // É upper-cased is not A-Z
  ])('%j is refused (%s)', (input, error, count) => {
    expect(checkNumen(input)).toEqual({ error, count });
  });

  test('the server\'s form exactly: /^[0-9A-Z]{13}$/ once tidied', () => {
    for (const v of ['0000000000000', 'ZZZZZZZZZZZZZ', '08E0612300ABC']) expect(checkNumen(v).value).toBe(v);
  });
});

describe('the social-security number: its first 10 digits', () => {
  test('spaces, dots and dashes are dropped', () => {
    expect(checkNir('2 85 06 75 112')).toEqual({ value: '2850675112' });
    expect(checkNir('2.85.06.75.112')).toEqual({ value: '2850675112' });
    expect(checkNir('2-85-06-75-112')).toEqual({ value: '2850675112' });
    // Corsica: the department is 2A or 2B, as on the card.
    expect(checkNir('1 85 07 2a 123')).toEqual({ value: '185072A123' });
    expect(checkNir('185072B123')).toEqual({ value: '185072B123' });
  });

  test.each([
    ['', 'common.fieldRequired', 0],
    ['2850675', 'reissue.nirLength', 7],
    ['285067511212345', 'reissue.nirLength', 15], // the whole number: only the first 10 are asked
    // Letters only where Corsica's 2A / 2B stand, nowhere else.
    ['1850A2A112', 'reissue.nirChars', 10],
    ['18506AB112', 'reissue.nirChars', 10],
    ['285067511x', 'reissue.nirChars', 10],
  ])('%j is refused (%s)', (input, error, count) => {
    expect(checkNir(input)).toEqual({ error, count });
  });
});

describe('the personal e-mail: plausible, and not the identifier', () => {
  const me = 'jeanne.dupont@ac-test.fr';
  test('a personal address is taken, lower-cased', () => {
    expect(checkPersonalEmail(' Jeanne.Perso@Example.NET ', me)).toEqual({ value: 'jeanne.perso@example.net' });
  });
  test('the identifier itself is refused, whatever its case and spaces', () => {
    expect(checkPersonalEmail('JEANNE.DUPONT@AC-TEST.FR', me)).toEqual({ error: 'reissue.emailSame' });
    expect(checkPersonalEmail(` ${me} `, ` ${me.toUpperCase()}`)).toEqual({ error: 'reissue.emailSame' });
  });
  test.each(['pas-une-adresse', 'a@b', '@example.net', 'a b@example.net', 'a@example.net,b@example.net', 'a@@example.net'])(
    '%j is not an address', (input) => {
      expect(checkPersonalEmail(input, me)).toEqual({ error: 'reissue.emailInvalid' });
    });
  test('empty', () => {
    expect(checkPersonalEmail('', me)).toEqual({ error: 'common.fieldRequired' });
  });
});

describe('the personal e-mail: the server\'s strict rule (issue 9, finding 10)', () => {
  test.each(['jeanne.perso@example.net', 'j+vote@mail.example.org', 'j_d@x-y.fr', "o'neil@example.net"])(
    '%s is taken', (v) => {
      expect(plainEmail(v)).toBe(true);
      expect(checkPersonalEmail(v, 'agent@ac-test.fr').value).toBe(v.toLowerCase());
    });
  test.each(['jeanne\u0000x@example.net', 'jeanne\u000bx@example.net', 'jeanne\u0085x@example.net',
    '"jeanne"@example.net', 'jeanne..x@example.net', '.jeanne@example.net', 'jeanne@example.net.',
    'jeanne@-example.net', 'jeanne(x)@example.net', 'jéanne@example.net', `${'a'.repeat(65)}@example.net`,
    `a@${'b'.repeat(64)}.net`])('%j is refused, as the server refuses it', (v) => {
    expect(plainEmail(v)).toBe(false);
    expect(checkPersonalEmail(v, 'agent@ac-test.fr').error).toBe('reissue.emailInvalid');
  });
});

describe('back from FranceConnect: /reassort?sent=email&to=... (issue 9, finding 11)', () => {
  test('the server\'s masked address is shown', () => {
    expect(reissueOutcome('?sent=email&to=j***@example.net')).toEqual({ sent: 'email', to: 'j***@example.net' });
    expect(reissueOutcome('?sent=email&to=j%2A%2A%2A%40mail.example.org'))
      .toEqual({ sent: 'email', to: 'j***@mail.example.org' });
  });
  test.each([
    '?sent=email&to=ANY TEXT',
    '?sent=email&to=votre+conseiller.+Appelez+le+08+00+00+00+00',
    '?sent=email&to=jeanne.perso@example.net',  // not masked: not the server's
    '?sent=email&to=j***@example.net%0AAppelez',
    '?sent=email&to=j***@example.net, puis appelez le 0800',
    '?sent=email&to=***@example.net',
    '?sent=sms&to=j***@example.net',
    '?sent=email',
  ])('%s: no text of the link\'s author, a fixed sentence instead', (search) => {
    const out = reissueOutcome(search);
    expect(out.to).toBe('');
    expect(STRINGS.fr['reissue.sentYourEmail']).toBe('Un lien vous a été envoyé à votre adresse électronique.');
    expect(STRINGS.en['reissue.sentYourEmail']).toBeTruthy();
  });
  test('the server\'s new refusals are worded in both languages', () => {
    for (const key of ['reason.bad_text', 'reason.bad_email']) {
      expect(STRINGS.fr[key]).toBeTruthy();
      expect(STRINGS.en[key]).toBeTruthy();
    }
  });
  test('errors and nothing', () => {
    expect(reissueOutcome('?error=oidc_denied')).toEqual({ error: 'oidc_denied' });
    expect(reissueOutcome('')).toBeNull();
  });
});

describe('the new code on screen', () => {
  test('four groups of five from the display form', () => {
    expect(codeGroups('D7ZZV-RHNQ7-94R0R-YB8EW')).toEqual(['D7ZZV', 'RHNQ7', '94R0R', 'YB8EW']);
  });

  test('the module\'s fractional seconds are rounded up: 0 only when gone', () => {
    expect(wholeSeconds(120)).toBe(120);
    expect(wholeSeconds(119.9999)).toBe(120);
    expect(wholeSeconds(0.001)).toBe(1);
    expect(wholeSeconds(0)).toBe(0);
    expect(wholeSeconds(-3)).toBe(0);
    expect(wholeSeconds(NaN)).toBe(0);
    expect(wholeSeconds(undefined)).toBe(0);
  });

  test.each([
    [120, '2:00'], [119.2, '2:00'], [119, '1:59'], [61, '1:01'], [60, '1:00'], [59.5, '1:00'], [10, '0:10'],
    [1, '0:01'], [0.2, '0:01'], [0, '0:00'], [-1, '0:00'],
  ])('the countdown of %d s reads %s', (seconds, text) => {
    expect(formatClock(seconds)).toBe(text);
  });

  test('in words, for screen readers, in both languages', () => {
    expect(formatSecondsWords(120, 'fr')).toBe('2 minutes');
    expect(formatSecondsWords(119, 'fr')).toBe('1 minute 59 secondes');
    expect(formatSecondsWords(61, 'fr')).toBe('1 minute 1 seconde');
    expect(formatSecondsWords(30, 'fr')).toBe('30 secondes');
    expect(formatSecondsWords(1, 'fr')).toBe('1 seconde');
    expect(formatSecondsWords(0, 'fr')).toBe('0 seconde');
    expect(formatSecondsWords(119, 'en')).toBe('1 minute 59 seconds');
    expect(formatSecondsWords(60, 'en')).toBe('1 minute');
    expect(formatSecondsWords(1, 'en')).toBe('1 second');
    expect(formatSecondsWords(0.5, 'en')).toBe('1 second');
  });
});

describe('the words of the checks exist in both languages', () => {
  test.each(['reissue.numenChars', 'reissue.numenLength', 'reissue.nirChars', 'reissue.nirLength',
    'reissue.emailInvalid', 'reissue.emailSame', 'reissue.gone', 'reissue.sent', 'pow.solving'])('%s', (key) => {
    expect(typeof STRINGS.fr[key]).toBe('string');
    expect(typeof STRINGS.en[key]).toBe('string');
  });
  test('the message after the request, as the voter reads it', () => {
    const text = STRINGS.fr['reissue.sent'].replace('{to}', '+33*******78').replace('{minutes}', '15');
    expect(text).toBe('Un lien vous a été envoyé à +33*******78 ; il est valable 15 minutes.');
  });
});

describe('withPow: a challenge every time, asked again once when refused as expired', () => {
  // A fake api: difficulty 0 (the server's proof of work off), so the
  // WebAssembly module is not needed to solve it.
  function fakeCtx() {
    let n = 0;
    return {
      t: (k) => k,
      api: {
        asked: [],
        async solvedPow(purpose, solve) {
          n += 1;
          this.asked.push(purpose);
          return { challenge: `c${n}`, nonce: 0, difficulty: 0, solve };
        },
      },
    };
  }

  test('the request gets {challenge, nonce}', async () => {
    const ctx = fakeCtx();
    const seen = [];
    const r = await withPow(ctx, 'login', null, async (pow) => { seen.push(pow); return 'ok'; });
    expect(r).toBe('ok');
    expect(seen).toEqual([{ challenge: 'c1', nonce: 0 }]);
    expect(ctx.api.asked).toEqual(['login']);
  });

  test.each(['pow_expired', 'pow_replayed', 'bad_pow'])('%s: a fresh challenge, once', async (reason) => {
    const ctx = fakeCtx();
    const seen = [];
    const r = await withPow(ctx, 'link', null, async (pow) => {
      seen.push(pow.challenge);
      if (seen.length === 1) throw Object.assign(new Error(reason), { error: reason });
      return 'sent';
    });
    expect(r).toBe('sent');
    expect(seen).toEqual(['c1', 'c2']);
  });

  test('a second refusal, or any other, is the caller\'s', async () => {
    const ctx = fakeCtx();
    await expect(withPow(ctx, 'reissue', null, async () => {
      throw Object.assign(new Error('x'), { error: 'pow_expired' });
    })).rejects.toMatchObject({ error: 'pow_expired' });
    expect(ctx.api.asked).toEqual(['reissue', 'reissue']);
    const ctx2 = fakeCtx();
    await expect(withPow(ctx2, 'login', null, async () => {
      throw Object.assign(new Error('x'), { error: 'bad_login' });
    })).rejects.toMatchObject({ error: 'bad_login' });
    expect(ctx2.api.asked).toEqual(['login']);
  });
});
