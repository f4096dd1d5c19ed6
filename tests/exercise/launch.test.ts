// The pure parts of starting an exercise from the web (range/exercises/launch.ts): reading the
// `exercise start --json` summary out of a log that also holds pino lines and whatever else the
// child wrote, the log tail, and the outcome from an exit (seen or not).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { launchOutcome, parseLaunchSummary, tailLines } from '../../range/exercises/launch.js';

const SUMMARY = {
  exercise: 7,
  crawls: [{ epoch: 0, source: 'ironbazaar', summary: { run: 3, pages: 40, listings: 12 } }],
};

describe('parseLaunchSummary', () => {
  it('finds the summary line among log lines and progress output', () => {
    const log = [
      '--- launch 1 of exercise 7 by trainer1 at 2026-11-28T10:00:00Z',
      '{"level":30,"pid":123,"msg":"crawl started"}',
      'exercise 7: crawling ironbazaar at epoch 0…',
      JSON.stringify(SUMMARY),
      '{"level":30,"msg":"stopped"}',
      '',
    ].join('\n');
    expect(parseLaunchSummary(log, 7)).toEqual(SUMMARY.crawls);
  });

  it('takes the last summary of the launch, and only one for this exercise', () => {
    const other = JSON.stringify({ exercise: 8, crawls: [] });
    const first = JSON.stringify({ exercise: 7, crawls: [] });
    expect(parseLaunchSummary(`${first}\n${JSON.stringify(SUMMARY)}\n${other}\n`, 7)).toEqual(SUMMARY.crawls);
    expect(parseLaunchSummary(`${other}\n`, 7)).toBeNull();
    expect(parseLaunchSummary(JSON.stringify({ exercise: '7', crawls: [] }), 7)).toBeNull();
  });

  it('returns null, never throws, on hostile or truncated output', () => {
    for (const bad of [
      '',
      '{"exercise":7,"crawls":[{"epoch":0',
      '{"exercise":7,"crawls":"not a list"}',
      '{"exercise":7}',
      '{"exercise":7,"crawls":null}',
      '\u0000\u0001\u00ff binary',
      '{"exercise":7,' + '"x":['.repeat(5000),
      '{"exercise"' + 'a'.repeat(2_000_000),
    ])
      expect(parseLaunchSummary(bad, 7)).toBeNull();
  });

  it('keeps only well-formed crawl entries and cannot be used for prototype pollution', () => {
    const line =
      '{"exercise":7,"crawls":[{"epoch":0,"source":"a","summary":{"pages":1}},{"epoch":"0","source":"b","summary":{}},' +
      '{"epoch":1,"source":"c"},null,3,{"__proto__":{"polluted":1},"epoch":2,"source":"d","summary":{}}]}';
    const out = parseLaunchSummary(line, 7)!;
    expect(out.map((c) => c.source)).toEqual(['a', 'd']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (text) => {
        const r = parseLaunchSummary(text, 7);
        expect(r === null || Array.isArray(r)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('tailLines', () => {
  it('keeps the last lines, bounded in characters', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n\n';
    expect(tailLines(text, 3)).toBe('line 97\nline 98\nline 99');
    expect(tailLines('x'.repeat(50_000), 30, 100)).toHaveLength(100);
    expect(tailLines('')).toBe('');
  });
});

describe('launchOutcome', () => {
  it('judges by the exit when it was seen, by the summary when it was not', () => {
    expect(launchOutcome({ code: 0, signal: null, seen: true }, null)).toEqual({
      status: 'finished',
      error: null,
    });
    expect(launchOutcome({ code: 1, signal: null, seen: true }, SUMMARY.crawls)).toEqual({
      status: 'failed',
      error: 'exit code 1',
    });
    expect(launchOutcome({ code: null, signal: 'SIGKILL', seen: true }, null)).toEqual({
      status: 'failed',
      error: 'killed by SIGKILL',
    });
    expect(launchOutcome({ code: null, signal: null, seen: false }, SUMMARY.crawls).status).toBe('finished');
    expect(launchOutcome({ code: null, signal: null, seen: false }, null)).toMatchObject({
      status: 'failed',
    });
  });
});
