// `darkwatch extract`: in-process through commander for the option handling, and once through the
// real executable with the page on stdin.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register } from '../../cli/commands/extract.js';
import { UserError } from '../../core/errors.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

async function run(args: string[]): Promise<string> {
  const program = new Command('darkwatch').exitOverride();
  register(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return out;
}

describe('darkwatch extract', () => {
  it('prints exactly the SPEC §7 object on one line', async () => {
    const out = await run([
      'extract',
      fixture('listing-dl-sq.html'),
      '--url',
      'http://tregu.onion/p/5',
      '--json',
      '--no-classify',
    ]);
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trim().split('\n')).toHaveLength(1);
    const obj = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(obj)).toEqual(['pageType', 'site', 'listings', 'posts', 'entities', 'language']);
    const listing = (obj.listings as Array<Record<string, unknown>>)[0]!;
    expect(Object.keys(listing)).toEqual([
      'title',
      'description',
      'price',
      'priceEur',
      'vendor',
      'category',
      'classification',
      'shipsFrom',
      'shipsTo',
      'url',
    ]);
    expect(listing).toMatchObject({ title: 'Kokainë e pastër 5g', shipsFrom: 'AL', classification: null });
  });

  it('classifies listings with the project classifier by default', async () => {
    const out = await run([
      'extract',
      fixture('listing-table.html'),
      '--url',
      'http://b.onion/l/1',
      '--json',
    ]);
    const c = (
      JSON.parse(out) as { listings: Array<{ classification: { label: string; confidence: number } }> }
    ).listings[0]!.classification;
    expect(c.label).toBe('firearms');
    expect(c.confidence).toBeGreaterThan(0);
  });

  it('uses a rates file and a profile directory given on the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'extract-cli-'));
    writeFileSync(
      join(dir, 'rates.json'),
      JSON.stringify({ date: '2030-01-01', rates: { EUR: 1, BTC: 0.00001 } }),
    );
    const profiles = join(dir, 'profiles');
    (await import('node:fs')).mkdirSync(profiles);
    writeFileSync(
      join(profiles, 'bb.yaml'),
      'name: bb\nmatch: { hosts: ["*.onion"] }\npages:\n  - type: listing\n    listing: { title: "h1", price: "table td" }\n',
    );
    const out = await run([
      'extract',
      fixture('listing-table.html'),
      '--url',
      'http://b.onion/l/1',
      '--json',
      '--no-classify',
      '--rates',
      join(dir, 'rates.json'),
      '--profiles',
      profiles,
    ]);
    const r = JSON.parse(out) as { listings: Array<Record<string, unknown>> };
    expect(r.listings[0]).toMatchObject({
      title: 'Glock 19 Gen5 + 2 mags',
      priceEur: 1250,
      vendor: null,
      shipsFrom: null,
    });
  });

  it('turns bad input and bad options into one-line user errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'extract-cli-'));
    const gz = join(dir, 'page.gz');
    writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]));
    await expect(run(['extract', gz, '--url', 'http://x.onion/'])).rejects.toThrow(/gzip-compressed/);
    await expect(run(['extract', join(dir, 'missing.html'), '--url', 'http://x.onion/'])).rejects.toThrow(
      /no such file/,
    );
    await expect(run(['extract', gz, '--url', 'not a url'])).rejects.toThrow(UserError);
    await expect(run(['extract', gz, '--url', 'http://x.onion/', '--max-bytes', '-5'])).rejects.toThrow(
      /positive integer/,
    );
    const badProfiles = join(dir, 'bad');
    (await import('node:fs')).mkdirSync(badProfiles);
    writeFileSync(join(badProfiles, 'x.yaml'), 'name: x\npages:\n  - type: listing\n    url: "(a"\n');
    await expect(
      run(['extract', fixture('other.html'), '--url', 'http://x.onion/', '--profiles', badProfiles]),
    ).rejects.toThrow(/x\.yaml: pages\.0\.url: invalid RE2 pattern/);
  });

  it('reads the page from stdin through the real executable; errors go to stderr with a non-zero exit', async () => {
    const bin = new URL('../../bin/darkwatch.js', import.meta.url).pathname;
    const exec = (input: Buffer) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [
          bin,
          'extract',
          '-',
          '--url',
          'http://forum.onion/t/77',
          '--json',
          '--no-classify',
        ]);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
        child.stdin.end(input);
      });
    const ok = await exec(readFileSync(fixture('forum-thread.html')));
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as { posts: unknown[] }).posts).toHaveLength(3);
    const bad = await exec(Buffer.from([0, 1, 2, 3]));
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^darkwatch: -: input is binary/);
  }, 120_000);
});
