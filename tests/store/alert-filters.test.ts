// The one parser of the triage filters' text form (CLI flags and API query parameters): lists of
// choices, free-text names and id lists, with empty items, whitespace, repeats and hostile input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { ALERT_STATUSES, CATEGORIES, SEVERITIES } from '../../core/types.js';
import {
  ALERT_IDS_MAX,
  FILTER_VALUE_MAX,
  parseAlertFilterText,
  parseChoice,
  parseChoiceList,
  parseFilterText,
  parseIdList,
} from '../../store/alert-filters.js';

/** The UserError `fn` throws (fails the test if it returns or throws anything else). */
function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError');
}

/** A message fit for one terminal line or a JSON error: short, printable. */
function expectShortPrintable(message: string): void {
  expect(message.length).toBeLessThan(400);
  expect(message).not.toMatch(/[\u0000-\u001f\u007f]/);
}

describe('parseChoiceList', () => {
  it('is no filter for nothing, an empty value or only separators', () => {
    expect(parseChoiceList(undefined, SEVERITIES, 'severity')).toBeUndefined();
    expect(parseChoiceList('', SEVERITIES, 'severity')).toBeUndefined();
    expect(parseChoiceList(' , ,,', SEVERITIES, 'severity')).toBeUndefined();
  });

  it('trims, drops empty items and keeps each choice once, in first-seen order', () => {
    expect(parseChoiceList(' high ,,critical, high,critical ', SEVERITIES, 'severity')).toEqual([
      'high',
      'critical',
    ]);
    expect(parseChoiceList('new,in_review', ALERT_STATUSES, '--status')).toEqual(['new', 'in_review']);
  });

  it('refuses an unknown choice, naming the flag or parameter and the allowed values', () => {
    expect(userError(() => parseChoiceList('new,bogus', ALERT_STATUSES, '--status')).message).toBe(
      '--status: "bogus" is not one of new, in_review, escalated, dismissed, closed',
    );
    // Case matters, as in the database.
    expect(userError(() => parseChoiceList('HIGH', SEVERITIES, 'severity')).message).toMatch(
      /^severity: "HIGH"/,
    );
  });

  it('bounds hostile input before splitting it: 10,000 items, a huge string, control characters', () => {
    const many = Array.from({ length: 10_000 }, () => 'new').join(',');
    expect(userError(() => parseChoiceList(many, ALERT_STATUSES, 'status')).message).toBe(
      `status: longer than ${FILTER_VALUE_MAX} characters`,
    );
    expect(userError(() => parseChoiceList('x'.repeat(50_000_000), ALERT_STATUSES, 'status')).message).toBe(
      `status: longer than ${FILTER_VALUE_MAX} characters`,
    );
    const nasty = userError(() =>
      parseChoiceList(`new,\u0000\u001b[2J${'y'.repeat(100)}`, ALERT_STATUSES, 'status'),
    );
    expectShortPrintable(nasty.message);
    expect(nasty.message).toContain('\\u0000\\u001b[2J');
    // At the bound, repeats of valid choices are fine and count once.
    const atBound = 'new,'.repeat(FILTER_VALUE_MAX / 4);
    expect(atBound).toHaveLength(FILTER_VALUE_MAX);
    expect(parseChoiceList(atBound, ALERT_STATUSES, 'status')).toEqual(['new']);
  });

  it('returns only allowed, distinct choices or throws a short UserError, for any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })),
        (text) => {
          let out: string[] | undefined;
          try {
            out = parseChoiceList(text, SEVERITIES, 'severity');
          } catch (err) {
            expect(err).toBeInstanceOf(UserError);
            expectShortPrintable((err as Error).message);
            return;
          }
          if (out === undefined) return;
          expect(out.length).toBeGreaterThan(0);
          expect(new Set(out).size).toBe(out.length);
          for (const s of out) expect(SEVERITIES).toContain(s);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parseChoice and parseFilterText', () => {
  it('takes one category as is, and refuses anything else', () => {
    expect(parseChoice('firearms', CATEGORIES, '--category')).toBe('firearms');
    expect(parseChoice('', CATEGORIES, '--category')).toBeUndefined();
    expect(userError(() => parseChoice('firearms,drugs', CATEGORIES, '--category')).message).toBe(
      '--category: "firearms,drugs" is not one of firearms, drugs, documents, other',
    );
    expect(userError(() => parseChoice('z'.repeat(10_000), CATEGORIES, 'category')).message).toMatch(
      /longer than 200/,
    );
  });

  it('takes a name as is, bounded, without NUL', () => {
    expect(parseFilterText(' alpha market ', '--site')).toBe(' alpha market ');
    expect(parseFilterText('', '--site')).toBeUndefined();
    expect(parseFilterText('n'.repeat(FILTER_VALUE_MAX), 'rule')).toHaveLength(FILTER_VALUE_MAX);
    expect(userError(() => parseFilterText('n'.repeat(FILTER_VALUE_MAX + 1), 'rule')).message).toBe(
      'rule: longer than 200 characters',
    );
    expect(userError(() => parseFilterText('glock\u0000', 'vendor')).message).toBe(
      'vendor: contains a NUL character',
    );
    // Other characters are a name like any other (names come from crawled pages).
    expect(parseFilterText('a\tb\u200b\u{1F52B}', '--rule')).toBe('a\tb\u200b\u{1F52B}');
    // Quotes and SQL are only ever bound parameters; they are names like any other.
    expect(parseFilterText(`x' or 1=1 --`, 'site')).toBe(`x' or 1=1 --`);
  });
});

describe('parseIdList', () => {
  it('reads ids with whitespace around them, once each, in first-seen order', () => {
    expect(parseIdList(undefined, 'ids')).toBeUndefined();
    expect(parseIdList('', 'ids')).toBeUndefined();
    expect(parseIdList(' 12, 7 ,12,7,3', '--ids')).toEqual([12, 7, 3]);
    expect(parseIdList('9007199254740991', 'ids')).toEqual([Number.MAX_SAFE_INTEGER]);
  });

  it('refuses empty items, zero, signs, fractions, exponents and unsafe integers', () => {
    for (const bad of [
      '1,,2',
      '1,',
      ',1',
      '0',
      '-1',
      '+1',
      '1.5',
      '1e3',
      '0x10',
      'abc',
      '9007199254740993',
      '1 2',
    ]) {
      const err = userError(() => parseIdList(bad, '--ids'));
      expect(err.message, bad).toMatch(/^--ids: ".*" is not an alert id$/);
    }
    expect(userError(() => parseIdList('5,99999999999999999999', 'ids')).message).toBe(
      'ids: "99999999999999999999" is not an alert id',
    );
  });

  it('bounds the count and the length: 10,000 ids pass, one more or a huge string does not', () => {
    const max = Array.from({ length: ALERT_IDS_MAX }, (_, i) => i + 1);
    expect(parseIdList(max.join(','), 'ids')).toEqual(max);
    expect(userError(() => parseIdList([...max, ALERT_IDS_MAX + 1].join(','), 'ids')).message).toBe(
      `ids: more than ${ALERT_IDS_MAX} ids`,
    );
    expect(userError(() => parseIdList(','.repeat(20_000), '--ids')).message).toBe(
      '--ids: more than 10000 ids',
    );
    expect(userError(() => parseIdList('1'.repeat(10_000_000), '--ids')).message).toMatch(
      /^--ids: longer than/,
    );
    const bin = userError(() => parseIdList('1,\u0000\u0007\u00ff', 'ids'));
    expectShortPrintable(bin.message);
  });
});

describe('parseAlertFilterText', () => {
  it('maps the text filters onto the store filter, empty values meaning no filter', () => {
    expect(
      parseAlertFilterText(
        {
          status: 'new, in_review',
          severity: '',
          rule: 'handguns',
          site: 'alpha-market',
          category: 'firearms',
          vendor: 'GunSmith',
        },
        (f) => f,
      ),
    ).toEqual({
      status: ['new', 'in_review'],
      severity: undefined,
      rule: 'handguns',
      sourceName: 'alpha-market',
      category: 'firearms',
      vendor: 'GunSmith',
    });
    expect(parseAlertFilterText({}, (f) => f)).toEqual({
      status: undefined,
      severity: undefined,
      rule: undefined,
      sourceName: undefined,
      category: undefined,
      vendor: undefined,
    });
  });

  it('names the failing field the way the caller spells it', () => {
    expect(userError(() => parseAlertFilterText({ severity: 'urgent' }, (f) => `--${f}`)).message).toMatch(
      /^--severity: "urgent" is not one of/,
    );
    expect(userError(() => parseAlertFilterText({ category: 'weapons' }, (f) => f)).message).toMatch(
      /^category: "weapons" is not one of firearms/,
    );
    expect(userError(() => parseAlertFilterText({ site: 's'.repeat(201) }, (f) => `--${f}`)).message).toBe(
      '--site: longer than 200 characters',
    );
  });
});
