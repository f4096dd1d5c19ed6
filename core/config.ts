// Configuration in one place: every environment variable darkwatch reads is declared and
// validated here, once, with messages that name the variable and what is wrong with it.
import path from 'node:path';
import { z } from 'zod';
import { UserError } from './errors.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function urlWithProtocols(protocols: string[], example: string) {
  return z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL like ${example}` },
  );
}

const schema = z.object({
  DATABASE_URL: urlWithProtocols(
    ['postgres:', 'postgresql:'],
    'postgres://user:pass@127.0.0.1:5432/darkwatch',
  ).optional(),
  REDIS_URL: urlWithProtocols(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').optional(),
  TOR_SOCKS_URL: urlWithProtocols(
    ['socks5h:'],
    'socks5h://127.0.0.1:9050 (socks5h: the proxy resolves names)',
  ).default('socks5h://127.0.0.1:9050'),
  TOR_CONTROL_URL: urlWithProtocols(['tcp:'], 'tcp://127.0.0.1:9051').optional(),
  CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
  DARKWATCH_DATA_DIR: z.string().min(1).optional(),
  DARKWATCH_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'letters, digits, ":", "_" or "-" only')
    .default('dw'),
  DARKWATCH_HOST: z.string().min(1).default('127.0.0.1'),
  DARKWATCH_PORT: z.coerce.number().int().min(0).max(65535).default(8088),
  DARKWATCH_TSA_URL: urlWithProtocols(['http:', 'https:'], 'http://127.0.0.1:3180/tsa').optional(),
  DARKWATCH_JOB_LOCK_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  DARKWATCH_STALE_RUN_MS: z.coerce
    .number()
    .int()
    .min(10_000)
    .max(7 * 24 * 3_600_000)
    .default(15 * 60_000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

export interface Config {
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  torSocksUrl: string;
  torControlUrl: string | undefined;
  chromiumPath: string;
  dataDir: string;
  redisPrefix: string;
  host: string;
  port: number;
  tsaUrl: string | undefined;
  /** Lock lifetime of a pipeline job: a crashed worker's jobs move on after this long. */
  jobLockMs: number;
  /** A crawl run with no frontier activity and no live job for this long is abandoned. */
  staleRunMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
}

/** Parse configuration from an environment; throws a UserError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset": `DATABASE_URL= darkwatch …` should not be a URL error.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new UserError(`invalid configuration: ${problems.join('; ')}`);
  }
  const c = parsed.data;
  return {
    databaseUrl: c.DATABASE_URL,
    redisUrl: c.REDIS_URL,
    torSocksUrl: c.TOR_SOCKS_URL,
    torControlUrl: c.TOR_CONTROL_URL,
    chromiumPath: c.CHROMIUM_PATH,
    dataDir: path.resolve(c.DARKWATCH_DATA_DIR ?? '.darkwatch'),
    redisPrefix: c.DARKWATCH_REDIS_PREFIX,
    host: c.DARKWATCH_HOST,
    port: c.DARKWATCH_PORT,
    tsaUrl: c.DARKWATCH_TSA_URL,
    jobLockMs: c.DARKWATCH_JOB_LOCK_MS,
    staleRunMs: c.DARKWATCH_STALE_RUN_MS,
    logLevel: c.LOG_LEVEL,
  };
}
