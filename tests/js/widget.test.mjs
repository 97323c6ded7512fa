// What the <isoloir-booth> widget decides without a DOM (web/booth/widget-logic.js),
// with the real wasm booth: the scrutin statuses and countdowns on the
// server's clock, the code holder's 15-minute expiry, the code check
// (typo, another voter's code), the choice's min/max, the check of the
// cast's answer on the signed receipts of ../shared/vectors, and which
// manifest URLs may be shown.
import { describe, expect, test } from '@jest/globals';
import { IsoloirError, loadBooth } from '../../web/booth/index.js';
import { makeTranslator } from '../../web/booth/i18n.js';
import {
  CodeHolder, IDLE_MS, STRINGS, checkCast, checkChoice, checkCode, checkEmargement, clockOffset,
  externalLink, logoSource, reasonOf, receiptFileName, scrutinStatus, scrutinStatuses, statusText,
} from '../../web/booth/widget-logic.js';
import { readVector, vectorsManifest } from './support.mjs';

const booth = await loadBooth();
const manifest = vectorsManifest();
const MIN = 60 * 1000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// The thrown error's reason, or a failure if nothing was thrown.
function reasonThrown(fn) {
  try {
    fn();
  } catch (e) {
    return e.reason;
  }
  throw new Error('nothing was thrown');
}

describe('the server\'s clock and the scrutin statuses', () => {
  const row = (over = {}) => ({
    id: 'capn-2d', title: 'CAPN', opens_at: '2026-12-01T08:00:00Z', closes_at: '2026-12-08T16:00:00Z',
    state: 'open', voted: false, voted_at: null, ...over,
  });
  const at = (iso) => Date.parse(iso);

  test('clockOffset: how far the server is ahead of the device; 0 for an unreadable now', () => {
    expect(clockOffset('2026-12-01T09:00:00Z', at('2026-12-01T06:00:00Z'))).toBe(3 * HOUR);
    expect(clockOffset('2026-12-01T09:00:00Z', at('2026-12-01T09:00:30Z'))).toBe(-30000);
    expect(clockOffset('not a date', 12345)).toBe(0);
    expect(clockOffset(undefined, 12345)).toBe(0);
  });

  test('the window is opens_at <= t < closes_at, with the countdown to the next change', () => {
    expect(scrutinStatus(row(), at('2026-12-01T07:59:59Z'))).toMatchObject({ status: 'not_open', countdownMs: 1000, at: '2026-12-01T08:00:00Z' });
    expect(scrutinStatus(row(), at('2026-12-01T08:00:00Z'))).toMatchObject({ status: 'open', countdownMs: 7 * DAY + 8 * HOUR, at: '2026-12-08T16:00:00Z' });
    expect(scrutinStatus(row(), at('2026-12-08T15:59:59Z'))).toMatchObject({ status: 'open', countdownMs: 1000 });
    expect(scrutinStatus(row(), at('2026-12-08T16:00:00Z'))).toMatchObject({ status: 'closed', countdownMs: 0 });
  });

  test('voted wins over the window, with its time', () => {
    const s = scrutinStatus(row({ voted: true, voted_at: '2026-12-02T10:00:00Z' }), at('2026-12-09T00:00:00Z'));
    expect(s).toEqual({ id: 'capn-2d', title: 'CAPN', status: 'voted', countdownMs: 0, at: '2026-12-02T10:00:00Z' });
  });

  test('times the device cannot read: the state the server computed', () => {
    expect(scrutinStatus(row({ opens_at: 'x', state: 'not_open' }), 0).status).toBe('not_open');
    expect(scrutinStatus(row({ closes_at: '', state: 'open' }), 0).status).toBe('open');
    expect(scrutinStatus(row({ opens_at: 'x', state: 'bogus' }), 0).status).toBe('closed');
  });

  test('a device clock 3 hours late still counts down from the server\'s now', () => {
    const answer = { now: '2026-12-08T15:00:00Z', scrutins: [row()] };
    const device = at('2026-12-08T12:00:00Z');
    const offset = clockOffset(answer.now, device);
    expect(scrutinStatuses(answer, offset, device)[0]).toMatchObject({ status: 'open', countdownMs: HOUR });
    // 30 s later on the device is 30 s later on the server
    expect(scrutinStatuses(answer, offset, device + 30000)[0].countdownMs).toBe(HOUR - 30000);
    // and the window closes at the server's closes_at, not the device's
    expect(scrutinStatuses(answer, offset, device + HOUR)[0].status).toBe('closed');
    expect(scrutinStatuses(null, 0, 0)).toEqual([]);
  });

  test('statusText: badge and line in both languages, Paris time', () => {
    const fr = makeTranslator(STRINGS, 'fr');
    const en = makeTranslator(STRINGS, 'en');
    const open = scrutinStatus(row(), at('2026-12-06T14:45:00Z'));
    expect(statusText(open, 'fr', fr)).toEqual({
      badge: 'À voter', when: 'Clôture dans 2 j 1 h 15 min, le mardi 8 décembre 2026 à 17:00',
    });
    expect(statusText(open, 'en', en)).toEqual({
      badge: 'To vote', when: 'Closes in 2 d 1 h 15 min, on Tuesday, 8 December 2026 at 17:00',
    });
    const soon = scrutinStatus(row(), at('2026-12-01T07:59:01Z'));
    expect(statusText(soon, 'fr', fr).when).toBe('Ouverture dans 1 min, le mardi 1 décembre 2026 à 09:00');
    const voted = scrutinStatus(row({ voted: true, voted_at: '2026-12-02T10:00:00Z' }), 0);
    expect(statusText(voted, 'fr', fr)).toEqual({ badge: 'Voté', when: 'Voté le mercredi 2 décembre 2026 à 11:00' });
    const closed = scrutinStatus(row(), at('2026-12-09T00:00:00Z'));
    expect(statusText(closed, 'fr', fr)).toEqual({ badge: 'Clos', when: 'Clos depuis le mardi 8 décembre 2026 à 17:00' });
  });
});

describe('CodeHolder', () => {
  const clock = () => {
    const c = { t: 1_000_000, now: () => c.t };
    return c;
  };

  test('keeps the code until 15 minutes pass without activity, then forgets it', () => {
    const c = clock();
    const h = new CodeHolder({ now: c.now });
    expect(h.held).toBe(false);
    h.set('D7ZZVRHNQ794R0RYB8EW');
    c.t += IDLE_MS - 1;
    expect(h.get()).toBe('D7ZZVRHNQ794R0RYB8EW');
    c.t += 1;
    expect(h.idle()).toBe(true);
    expect(h.get()).toBe('');
    expect(h.held).toBe(false);
  });

  test('activity restarts the idle time; expireIfIdle says when it forgot', () => {
    const c = clock();
    const h = new CodeHolder({ now: c.now, idleMs: 1000 });
    h.set('X');
    c.t += 900;
    h.touch();
    c.t += 900;
    expect(h.expireIfIdle()).toBe(false);
    expect(h.held).toBe(true);
    c.t += 100;
    expect(h.expireIfIdle()).toBe(true);
    expect(h.expireIfIdle()).toBe(false); // nothing more to forget
  });

  test('clear() forgets at once; set() after idle starts afresh', () => {
    const c = clock();
    const h = new CodeHolder({ now: c.now, idleMs: 1000 });
    h.set('X');
    h.clear();
    expect(h.get()).toBe('');
    c.t += 5000;
    h.set('Y');
    expect(h.idle()).toBe(false);
    expect(h.get()).toBe('Y');
  });

  test('the code is in no enumerable property or JSON of the holder', () => {
    const h = new CodeHolder();
    h.set('D7ZZVRHNQ794R0RYB8EW');
    expect(JSON.stringify(h)).not.toContain('D7ZZV');
    expect(Object.values(h).join()).not.toContain('D7ZZV');
  });
});

describe('checkCode (the real booth)', () => {
  const electionId = 'men-2022';
  const code = booth.newCode();
  const mine = booth.credential(electionId, code);

  test('the voter\'s code, in any typed form, is accepted and normalised', () => {
    const typed = ` ${code.toLowerCase().replace(/-/g, ' ')} `;
    expect(checkCode(booth, electionId, typed.trim(), mine)).toBe(booth.normalizeCode(code));
  });

  test('a typo is bad_vote_code, before any credential is compared', () => {
    const typo = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
    expect(reasonThrown(() => checkCode(booth, electionId, typo, mine))).toBe('bad_vote_code');
    expect(reasonThrown(() => checkCode(booth, electionId, '', mine))).toBe('bad_vote_code');
  });

  test('another voter\'s valid code is wrong_code; so is this code in another election', () => {
    const other = booth.newCode();
    expect(() => checkCode(booth, electionId, other, mine)).toThrow(IsoloirError);
    expect(reasonThrown(() => checkCode(booth, electionId, other, mine))).toBe('wrong_code');
    expect(reasonThrown(() => checkCode(booth, 'another-election', code, mine))).toBe('wrong_code');
    // A code the voter had before a re-issue is said to be invalidated, not mistyped.
    const old = booth.newCode();
    expect(reasonThrown(() => checkCode(booth, electionId, old, mine,
      [booth.credential(electionId, old)]))).toBe('revoked_credential');
    expect(reasonThrown(() => checkCode(booth, electionId, other, mine,
      [booth.credential(electionId, old)]))).toBe('wrong_code');
  });

  test('without the voter\'s credential only the form is checked', () => {
    expect(checkCode(booth, electionId, booth.newCode(), undefined)).toHaveLength(20);
  });
});

describe('checkChoice', () => {
  const options = ['a', 'b', 'c', 'blank'].map((id) => ({ id }));
  const one = { min: 1, max: 1, options };
  const range = { min: 2, max: 3, options };

  test('min = max = 1: exactly one known option', () => {
    expect(checkChoice(one, ['a'])).toEqual({ ok: true });
    expect(checkChoice(one, ['blank'])).toEqual({ ok: true });
    expect(checkChoice(one, [])).toEqual({ ok: false, reason: 'choice_none' });
    expect(checkChoice(one, ['a', 'b'])).toEqual({ ok: false, reason: 'choice_too_many' });
    expect(checkChoice(one, ['z'])).toEqual({ ok: false, reason: 'choice_unknown' });
  });

  test('2 to 3: the bounds, and no option twice', () => {
    expect(checkChoice(range, ['a'])).toEqual({ ok: false, reason: 'choice_too_few' });
    expect(checkChoice(range, ['a', 'b'])).toEqual({ ok: true });
    expect(checkChoice(range, ['a', 'b', 'c'])).toEqual({ ok: true });
    expect(checkChoice(range, ['a', 'b', 'c', 'blank'])).toEqual({ ok: false, reason: 'choice_too_many' });
    expect(checkChoice(range, ['a', 'a'])).toEqual({ ok: false, reason: 'choice_unknown' });
  });

  test('every reason has a message in both languages', () => {
    for (const reason of ['choice_none', 'choice_too_few', 'choice_too_many', 'choice_unknown']) {
      expect(STRINGS.fr[reason]).toBeTruthy();
      expect(STRINGS.en[reason]).toBeTruthy();
    }
  });
});

describe('checkCast on the signed receipts of the vectors (the real booth)', () => {
  const v = readVector('receipts.json');
  const deposit = v.deposits.find((d) => d.expected === 'accepted');
  const depositDoc = JSON.parse(deposit.deposit);
  const emargement = v.emargements.find((e) => e.expected === 'accepted' && JSON.parse(e.emargement).scrutin === depositDoc.scrutin);
  const made = { scrutin: depositDoc.scrutin, reference: depositDoc.reference };
  const answer = { reference: depositDoc.reference, log_index: depositDoc.log_index, deposit: deposit.deposit, emargement: emargement.emargement };
  const keys = (r) => r.problems.map((p) => p.key);

  test('the vectors have an accepted deposit and an émargement of its scrutin', () => {
    expect(deposit).toBeDefined();
    expect(emargement).toBeDefined();
  });

  test('an answer that matches: ok, with the deposit\'s received_at', () => {
    const r = checkCast(booth, manifest, made, answer);
    expect(r).toMatchObject({ ok: true, referenceMatches: true, receiptsValid: true, problems: [], time: depositDoc.received_at });
    expect(r.deposit).toMatchObject({ ok: true, kind: 'deposit', scrutin: made.scrutin, reference: made.reference });
    expect(r.emargement).toMatchObject({ ok: true, kind: 'emargement', scrutin: made.scrutin });
  });

  test('a server reference other than the browser\'s is an alarm', () => {
    const r = checkCast(booth, manifest, made, { ...answer, reference: 'A'.repeat(43) });
    expect(r.ok).toBe(false);
    expect(r.referenceMatches).toBe(false);
    expect(r.problems[0]).toEqual({ key: 'alarm_reference_mismatch', params: { server: 'A'.repeat(43), local: made.reference } });
    // the receipts themselves are fine
    expect(r.receiptsValid).toBe(true);
  });

  test('a valid deposit for another ballot (the browser computed another reference)', () => {
    const r = checkCast(booth, manifest, { ...made, reference: 'B'.repeat(43) }, { ...answer, reference: 'B'.repeat(43) });
    expect(keys(r)).toEqual(['alarm_deposit_mismatch']);
    expect(r.receiptsValid).toBe(false);
  });

  test('a deposit whose signature does not verify', () => {
    const doc = { ...depositDoc, received_at: '2022-12-01T11:02:47Z' }; // re-serialised, signature kept
    const forged = JSON.stringify(Object.fromEntries(Object.keys(doc).sort().map((k) => [k, doc[k]])));
    const r = checkCast(booth, manifest, made, { ...answer, deposit: forged });
    expect(keys(r)).toEqual(['alarm_deposit_invalid']);
    expect(r.problems[0].params.reason).toBe('bad_signature');
    expect(r.time).toBe('');
  });

  test('each refused deposit of the vectors raises the alarm with its reason', () => {
    const refused = v.deposits.filter((d) => d.expected !== 'accepted');
    expect(refused.length).toBeGreaterThan(0);
    for (const d of refused) {
      const r = checkCast(booth, manifest, made, { ...answer, deposit: d.deposit });
      expect(r.ok).toBe(false);
      expect(r.problems.find((p) => p.key === 'alarm_deposit_invalid')?.params.reason).toBe(d.expected);
    }
  });

  test('documents swapped, missing, or of another scrutin', () => {
    expect(keys(checkCast(booth, manifest, made, { ...answer, emargement: answer.deposit })))
      .toEqual(['alarm_emargement_mismatch']);
    expect(keys(checkCast(booth, manifest, made, { ...answer, deposit: answer.emargement })))
      .toEqual(['alarm_deposit_mismatch']);
    expect(keys(checkCast(booth, manifest, made, { reference: made.reference })))
      .toEqual(['alarm_deposit_invalid', 'alarm_emargement_invalid']);
    expect(keys(checkCast(booth, manifest, made, null)))
      .toEqual(['alarm_reference_mismatch', 'alarm_deposit_invalid', 'alarm_emargement_invalid']);
    const other = v.emargements.find((e) => e.expected === 'accepted' && JSON.parse(e.emargement).scrutin !== made.scrutin);
    if (other) {
      expect(keys(checkCast(booth, manifest, made, { ...answer, emargement: other.emargement })))
        .toEqual(['alarm_emargement_mismatch']);
    }
  });

  test('checkEmargement: the émargement fetched again later', () => {
    expect(checkEmargement(booth, manifest, made.scrutin, emargement.emargement))
      .toEqual({ ok: true, time: JSON.parse(emargement.emargement).voted_at });
    expect(checkEmargement(booth, manifest, 'other', emargement.emargement)).toMatchObject({ ok: false, key: 'alarm_emargement_mismatch' });
    expect(checkEmargement(booth, manifest, made.scrutin, deposit.deposit)).toMatchObject({ ok: false, key: 'alarm_emargement_mismatch' });
    expect(checkEmargement(booth, manifest, made.scrutin, '{}')).toMatchObject({ ok: false, key: 'alarm_emargement_invalid' });
  });

  test('every alarm has a message with the same parameters in both languages', () => {
    for (const key of Object.keys(STRINGS.fr).filter((k) => k.startsWith('alarm_'))) {
      const params = (s) => (s.match(/\{\w+\}/g) || []).sort();
      expect([key, params(STRINGS.en[key])]).toEqual([key, params(STRINGS.fr[key])]);
    }
  });
});

describe('what the manifest may show', () => {
  const page = 'https://vote.example.org';
  const base = `${page}/`;

  test('logos: data: images and our own origins only', () => {
    expect(logoSource('data:image/png;base64,iVBORw0KGgo=', base, [page])).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(logoSource('data:image/svg+xml,%3Csvg%3E', base, [page])).toBe('data:image/svg+xml,%3Csvg%3E');
    expect(logoSource('/logos/fsu.png', base, [page])).toBe('https://vote.example.org/logos/fsu.png');
    expect(logoSource('https://vote.example.org/l.png', base, [page])).toBe('https://vote.example.org/l.png');
    // the server's origin, when the widget is embedded elsewhere
    expect(logoSource('/l.png', 'https://urn.example.org/', ['https://ac.example.org', 'https://urn.example.org']))
      .toBe('https://urn.example.org/l.png');
    for (const bad of ['https://tracker.example.com/p.png', '//evil.example/x.png', 'javascript:alert(1)',
      'data:text/html,<script>', 'data:image/png', '/\\evil.example', '', null, undefined, 42]) {
      expect([bad, logoSource(bad, base, [page])]).toEqual([bad, '']);
    }
  });

  test('professions de foi: absolute http(s) links only', () => {
    expect(externalLink('https://elections.education.example/fsu.pdf')).toBe('https://elections.education.example/fsu.pdf');
    expect(externalLink('http://example.org/a b.pdf')).toBe('http://example.org/a%20b.pdf');
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,x', '/relative.pdf', 'not a url', '', null]) {
      expect([bad, externalLink(bad)]).toEqual([bad, '']);
    }
  });

  test('receipt file names, whatever the scrutin id', () => {
    expect(receiptFileName('deposit', 'capn-2d')).toBe('preuve-de-depot-capn-2d.json');
    expect(receiptFileName('emargement', 'capn-2d')).toBe('emargement-capn-2d.json');
    expect(receiptFileName('deposit', '../x/é y')).toBe('preuve-de-depot-.._x___y.json');
  });

  test('reasonOf: ApiError.error, IsoloirError.reason, else unknown', () => {
    expect(reasonOf({ error: 'already_voted', reason: 'x' })).toBe('already_voted');
    expect(reasonOf(new IsoloirError('bad_vote_code'))).toBe('bad_vote_code');
    expect(reasonOf(new Error('boom'))).toBe('unknown');
    expect(reasonOf(undefined)).toBe('unknown');
  });
});

describe('the widget\'s strings', () => {
  test('English has every French key and the same {parameters}', () => {
    const params = (s) => (s.match(/\{\w+\}/g) || []).sort();
    expect(Object.keys(STRINGS.en).sort()).toEqual(Object.keys(STRINGS.fr).sort());
    for (const key of Object.keys(STRINGS.fr)) {
      expect([key, params(STRINGS.en[key])]).toEqual([key, params(STRINGS.fr[key])]);
    }
  });

  test('the labels of the ministry\'s journey, word for word', () => {
    expect(STRINGS.fr.activate).toBe("Je veux voter, j'active la sélection de mon choix de vote");
    expect(STRINGS.fr.back).toBe('Retour');
    expect(STRINGS.fr.vote).toBe('Je vote');
    expect(STRINGS.fr.receipt_title).toBe('Accusé de réception');
    expect(STRINGS.fr.emargement_download).toBe('Télécharger mon émargement');
    expect(STRINGS.fr.deposit_download).toBe('Télécharger ma preuve de dépôt');
    expect(STRINGS.fr.code_title).toBe('Saisissez votre code de vote');
  });

  test('widget.js imports where there is no DOM, and defines nothing there', async () => {
    const mod = await import('../../web/booth/widget.js');
    expect(typeof mod.IsoloirBoothElement).toBe('function');
    expect(mod.default).toBe(mod.IsoloirBoothElement);
    expect(globalThis.customElements).toBeUndefined();
  });
});
