// `darkwatch range` as a trainer runs it: JSON lines per site and the SOCKS URL, curl
// --socks5-hostname to a printed onion returns its page, SIGTERM stops it cleanly; and
// `darkwatch range truth --json` prints the same truth the library builds.
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateWorld } from '../../range/generate/world.js';
import { buildTruth } from '../../range/truth.js';

const run = promisify(execFile);
const BIN = new URL('../../bin/darkwatch.js', import.meta.url).pathname;

describe('darkwatch range CLI', () => {
  it('serves the range, works with curl --socks5-hostname, stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'range', '--seed', '8', '--size', '60', '--socks-port', '0', '--obstacles', 'traps'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const lines: Record<string, unknown>[] = [];
      const rl = createInterface({ input: child.stdout });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('range did not start in time')), 60_000);
        rl.on('line', (line) => {
          lines.push(JSON.parse(line) as Record<string, unknown>);
          if ('socks' in lines[lines.length - 1]!) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const sites = lines.slice(0, -1);
      expect(sites.map((s) => s.name)).toEqual([
        'ironbazaar',
        'nocturne',
        'balkanboard',
        'blackforge',
        'stashbin',
        'ironbazaar-clone',
      ]);
      for (const s of sites) expect(Object.keys(s)).toEqual(['name', 'kind', 'onion', 'mirrors']);
      const socks = String(lines.at(-1)!.socks);
      expect(socks).toMatch(/^socks5h:\/\/127\.0\.0\.1:\d+$/);
      const port = socks.split(':').at(-1)!;
      const paste = sites.find((s) => s.name === 'stashbin')!;
      const { stdout } = await run('curl', [
        '-s',
        '--max-time',
        '20',
        '--socks5-hostname',
        `127.0.0.1:${port}`,
        `http://${String(paste.onion)}/`,
      ]);
      expect(stdout).toContain('StashBin');
      // curl with local resolution cannot reach an onion at all; a clearnet name is refused.
      await expect(
        run('curl', [
          '-s',
          '--max-time',
          '20',
          '--socks5-hostname',
          `127.0.0.1:${port}`,
          'http://example.com/',
        ]),
      ).rejects.toThrow();
      const admin = String(lines.at(-1)!.admin);
      const counters = (await (await fetch(`${admin}/counters`)).json()) as {
        streams: number;
        refused: number;
      };
      expect(counters.streams).toBe(1);
      expect(counters.refused).toBe(1);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);

  it('prints the ground truth as JSON', async () => {
    const { stdout } = await run(
      process.execPath,
      [BIN, 'range', 'truth', '--seed', '8', '--size', '60', '--epoch', '2', '--json'],
      {
        maxBuffer: 1 << 26,
      },
    );
    const printed = JSON.parse(stdout) as ReturnType<typeof buildTruth>;
    expect(printed).toEqual(JSON.parse(JSON.stringify(buildTruth(generateWorld({ seed: 8, size: 60 }), 2))));
    expect(printed.epoch).toBe(2);
    expect(printed.listings.length).toBeGreaterThan(0);
  }, 60_000);

  it('rejects bad options with one clear line', async () => {
    for (const args of [
      ['range', '--obstacles', 'login,lasers'],
      ['range', '--socks-port', '70000'],
      ['range', '--seed', '-1'],
      ['range', 'truth', '--epoch', 'x'],
    ]) {
      const err = await run(process.execPath, [BIN, ...args]).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      expect(err).not.toBeNull();
      expect(err!.code).not.toBe(0);
      expect(err!.stderr.trim().split('\n')).toHaveLength(1);
    }
  }, 60_000);
});
