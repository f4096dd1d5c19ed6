import { fork } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backoffDelay,
  parseRetryAfter,
  pauseAfter,
  Politeness,
  PolitenessError,
} from '../../crawler/politeness.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

describe('pure backoff helpers', () => {
  it('full jitter stays within [0, min(cap, base·2^n))', () => {
    for (let a = 0; a < 40; a++) {
      const ceiling = Math.min(60_000, 100 * 2 ** Math.min(a, 30));
      expect(backoffDelay(a, 100, 60_000, () => 0.999999)).toBeLessThan(ceiling);
      expect(backoffDelay(a, 100, 60_000, () => 0)).toBe(0);
    }
    expect(backoffDelay(3, 100, 60_000, () => 0.5)).toBe(400);
    expect(backoffDelay(-5, 100, 60_000, () => 0.5)).toBe(50);
  });
  it('Retry-After: seconds, HTTP dates, garbage, huge values', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('99999999999', now)).toBe(3_600_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('x'.repeat(10_000), now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(pauseAfter(429, { 'retry-after': '7' }, 0, now)).toBe(7000);
    expect(pauseAfter(503, {}, 2, now, () => 0.5)).toBe(10_000);
    expect(pauseAfter(200, { 'retry-after': '7' }, 0, now)).toBeNull();
  });
});

describe('Politeness against a real redis-server', () => {
  let srv: TestRedis;
  let redis: Redis;
  beforeAll(async () => {
    srv = await startRedis();
    redis = new Redis(srv.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await redis?.quit();
    await srv?.stop();
  });

  it('token bucket spaces requests at the configured rate', async () => {
    const p = new Politeness(redis);
    const t0 = Date.now();
    for (let i = 0; i < 6; i++) await p.takeToken('s1', { requestsPerMinute: 600, concurrency: 1 });
    const elapsed = Date.now() - t0;
    // first token immediate, then every 100 ms; the upper bound only catches a stuck bucket
    expect(elapsed).toBeGreaterThanOrEqual(480);
    expect(elapsed).toBeLessThan(15_000);
  });

  it('two separate processes share one bucket and the combined rate holds', async () => {
    const child = path.join(import.meta.dirname, 'helpers', 'bucket-child.ts');
    // 10 tokens each at a combined 10/s: 1.9 s shared, about half that if each had its own bucket.
    const start = () => {
      const cp = fork(child, [srv.url, 'shared', '10', '600'], {
        execArgv: ['--import', 'tsx'],
        stdio: 'inherit',
      });
      const ready = new Promise<void>((resolve, reject) => {
        cp.once('message', () => resolve());
        cp.once('exit', (code) => reject(new Error(`child exited ${code} before it was ready`)));
      });
      const times = new Promise<number[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          cp.kill();
          reject(new Error('child timed out'));
        }, 60_000);
        cp.on('message', (m) => {
          if ('times' in (m as object)) resolve((m as { times: number[] }).times);
        });
        cp.once('exit', (code) => {
          clearTimeout(timer);
          if (code !== 0) reject(new Error(`child exited ${code}`));
        });
      });
      return { cp, ready, times };
    };
    const children = [start(), start()];
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.cp.send('go');
    const [a, b] = (await Promise.all(children.map((c) => c.times))) as [number[], number[]];
    const all = [...a, ...b].sort((x, y) => x - y);
    expect(all).toHaveLength(20);
    // Grants are 100 ms apart (burst 1). The times are taken when each child's timer fires, which
    // a loaded machine delays by up to a few hundred ms, so the bounds leave 400 ms for that —
    // separate buckets would give about 900 ms and 650 ms.
    const span = (all.at(-1) as number) - (all[0] as number);
    expect(span).toBeGreaterThanOrEqual(19 * 100 - 400);
    // and never much more than the rate in any window of 14 grants (≥ 1300 ms apart when shared)
    for (let i = 0; i + 13 < all.length; i++)
      expect((all[i + 13] as number) - (all[i] as number)).toBeGreaterThanOrEqual(1300 - 400);
    // both processes got tokens interleaved, not one after the other
    expect(Math.min(...b)).toBeLessThan(Math.max(...a));
  });

  it('a 429 pause holds for every caller; waits beyond the maximum are refused', async () => {
    const p = new Politeness(redis);
    // Timed from before the pause is set, so however slowly this test runs, the token cannot come
    // sooner than the pause's end.
    const t0 = Date.now();
    await p.pause('s2', 300);
    await p.takeToken('s2', { requestsPerMinute: 6000, concurrency: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(295);
    await p.pause('s3', 60_000);
    expect(await p.pausedFor('s3')).toBeGreaterThan(30_000);
    await expect(
      p.takeToken('s3', { requestsPerMinute: 60, concurrency: 1 }, { maxWaitMs: 1000 }),
    ).rejects.toThrow(PolitenessError);
    const viaRun = new Politeness(redis);
    await viaRun.run(
      's4',
      { requestsPerMinute: 6000, concurrency: 1 },
      async () => ({ status: 429, headers: { 'retry-after': '120' } }),
      {
        statusOf: (r) => r,
      },
    );
    expect(await viaRun.pausedFor('s4')).toBeGreaterThan(60_000);
  });

  it('concurrency cap holds and leases of a crashed holder expire', async () => {
    const leaseMs = 1500; // long enough that a slow machine does not lose l3 before it renews
    const p = new Politeness(redis, 'dw:t', leaseMs);
    const limits = { requestsPerMinute: 6000, concurrency: 2 };
    const l1 = await p.acquire('c', limits);
    const beforeL2 = Date.now();
    const l2 = await p.acquire('c', limits);
    await expect(p.acquire('c', limits, { timeoutMs: 150 })).rejects.toThrow(/no concurrency slot/);
    await l1.release();
    const l3 = await p.acquire('c', limits, { timeoutMs: 10_000 });
    expect(await l3.renew()).toBe(true);
    // l2's holder "crashes": never releases. Its lease expires leaseMs after it was granted (which
    // was after beforeL2), and only then does the slot free.
    const l4 = await p.acquire('c', limits, { timeoutMs: 20_000 });
    expect(Date.now() - beforeL2).toBeGreaterThanOrEqual(leaseMs - 5);
    expect(await l2.renew()).toBe(false);
    await l3.release();
    await l4.release();
    // concurrent run() calls never exceed the cap
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        p.run('c2', { requestsPerMinute: 60_000, burst: 10, concurrency: 3 }, async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 40));
          active--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('run() renews its lease while the work outlasts it', async () => {
    const leaseMs = 1500;
    const p = new Politeness(redis, 'dw:hb', leaseMs);
    const limits = { requestsPerMinute: 60_000, concurrency: 1 };
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const work = p.run('hb', limits, async () => {
      started();
      await held;
    });
    await running;
    // Twice the lease length later, the slot is still taken: the heartbeat kept it.
    await expect(p.acquire('hb', limits, { timeoutMs: 2 * leaseMs })).rejects.toThrow(/no concurrency slot/);
    release();
    await work;
    const after = await p.acquire('hb', limits, { timeoutMs: 5000 });
    await after.release();
  });
});
