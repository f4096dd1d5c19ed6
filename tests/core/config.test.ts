import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { UserError } from '../../core/errors.js';

describe('configuration', () => {
  it('applies defaults', () => {
    const c = loadConfig({});
    expect(c.torSocksUrl).toBe('socks5h://127.0.0.1:9050');
    expect(c.chromiumPath).toBe('/usr/bin/chromium');
    expect(c.host).toBe('127.0.0.1');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.staleRunMs).toBe(15 * 60_000);
    expect(loadConfig({ DARKWATCH_STALE_RUN_MS: '120000' }).staleRunMs).toBe(120_000);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: '' }).databaseUrl).toBeUndefined();
  });

  it.each([
    ['DATABASE_URL', 'not a url', /DATABASE_URL must be a URL like postgres:/],
    ['DATABASE_URL', 'mysql://x@h/db', /DATABASE_URL/],
    ['REDIS_URL', 'http://127.0.0.1:6379', /REDIS_URL must be a URL like redis:/],
    ['TOR_SOCKS_URL', 'socks5://127.0.0.1:9050', /socks5h: the proxy resolves names/],
    ['DARKWATCH_PORT', '70000', /DARKWATCH_PORT/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['DARKWATCH_REDIS_PREFIX', 'a b{c}', /DARKWATCH_REDIS_PREFIX/],
    ['DARKWATCH_STALE_RUN_MS', '5', /DARKWATCH_STALE_RUN_MS/],
    ['DARKWATCH_STALE_RUN_MS', 'soon', /DARKWATCH_STALE_RUN_MS/],
  ])('rejects %s=%s with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(UserError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('reports every bad variable at once, on one line', () => {
    try {
      loadConfig({ DATABASE_URL: 'x', REDIS_URL: 'y' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/DATABASE_URL.*REDIS_URL/);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});
