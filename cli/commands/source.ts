import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { UserError, errorMessage } from '../../core/errors.js';
import { FETCH_MODES, SOURCE_KINDS } from '../../core/types.js';
import type { SourceInput } from '../../core/schemas.js';
import { deadLetters, latestRuns } from '../../store/runs.js';
import {
  addSource,
  getSource,
  listSources,
  removeSource,
  setSourceSession,
  type SourceRecord,
} from '../../store/sources.js';
import { sourceSessionSchema } from '../../core/schemas.js';
import { MAX_COOKIE_FILE, parseCookieFile, parseCookieFlag } from '../../crawler/cookie-import.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { appendAudit } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { cliActor, printJson, withDatabase } from '../context.js';
import { syncSchedulesFromCli } from '../schedules.js';

const MAX_SOURCE_FILE = 1024 * 1024;

interface AddOptions {
  kind?: string;
  mode?: string;
  file?: string;
  seed?: string[];
  include?: string[];
  exclude?: string[];
  maxDepth?: string;
  budget?: string;
  rpm?: string;
  concurrency?: string;
  recrawl?: string;
  javascript?: boolean;
  images?: boolean;
  profile?: string;
  lang?: string[];
  pgpKey?: string;
  loginUrl?: string;
  loginField?: string[];
  loginSubmit?: string;
  json?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UserError(`--${name} must be a number, got "${value}"`);
  return n;
}

/** A file's text, reading at most `limit` + 1 bytes (a huge or endless file is refused, not loaded). */
function readBounded(file: string, limit: number): string {
  const tooLarge = () =>
    new UserError(
      `${file} is larger than ${limit >= 1 << 20 ? `${limit / (1 << 20)} MiB` : `${limit / 1024} KiB`}`,
    );
  if (file === '-') {
    // stdin cannot be read in bounded chunks portably (non-blocking pipes); check after reading.
    const buf = readFileSync(0);
    if (buf.length > limit) throw tooLarge();
    return buf.toString('utf8');
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${errorMessage(err)}`);
  }
  try {
    const buf = Buffer.alloc(limit + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > limit) throw tooLarge();
    }
    return buf.subarray(0, n).toString('utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read ${file}: ${errorMessage(err)}`);
  } finally {
    closeSync(fd);
  }
}

type SourceFile = Partial<SourceInput> & { mode?: string; login?: unknown };

/** A source from a YAML file (`name`, `urls`, `kind`, `mode`, `policy`, `login`, …); flags override it. */
function readSourceFile(file: string): SourceFile {
  const text = readBounded(file, MAX_SOURCE_FILE);
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new UserError(`${file}: ${errorMessage(err).split('\n')[0]}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new UserError(`${file}: expected a mapping with name and urls`);
  return data as SourceFile;
}

/** `--login-field NAME=VALUE` pairs (a value may be `${env:DW_SRC_…}`; quote it for the shell). */
function loginFields(pairs: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UserError(`--login-field expects NAME=VALUE, got "${pair.slice(0, 80)}"`);
    fields[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return fields;
}

/**
 * The session of a new source: the file's `session` (cookies and/or `login`), a top-level `login:`
 * in the file, and the --login-* flags, later ones overriding earlier ones.
 */
function sessionFrom(file: SourceFile, opts: AddOptions): SourceInput['session'] {
  const fileSession = (file.session ?? null) as { cookies?: unknown; login?: unknown } | null;
  let login = (file.login ?? fileSession?.login ?? null) as Record<string, unknown> | null;
  if (opts.loginUrl || opts.loginField || opts.loginSubmit) {
    login = {
      ...(login ?? {}),
      ...(opts.loginUrl ? { url: opts.loginUrl } : {}),
      ...(opts.loginField ? { fields: loginFields(opts.loginField) } : {}),
      ...(opts.loginSubmit ? { submitSelector: opts.loginSubmit } : {}),
    };
  }
  if (!fileSession && !login) return undefined;
  return { ...(fileSession ?? {}), cookies: (fileSession?.cookies ?? []) as never, login: login as never };
}

export function sourceInputFrom(name: string | undefined, urls: string[], opts: AddOptions): SourceInput {
  const fromFile = opts.file ? readSourceFile(opts.file) : {};
  const { mode: fileMode, login: _fileLogin, ...fileRest } = fromFile;
  const policy = {
    ...(fileRest.policy ?? {}),
    ...(opts.seed ? { seeds: opts.seed } : {}),
    ...(opts.include ? { include: opts.include } : {}),
    ...(opts.exclude ? { exclude: opts.exclude } : {}),
    ...(opts.maxDepth !== undefined ? { maxDepth: intOption('max-depth', opts.maxDepth) } : {}),
    ...(opts.budget !== undefined ? { pageBudget: intOption('budget', opts.budget) } : {}),
    ...(opts.rpm !== undefined ? { requestsPerMinute: intOption('rpm', opts.rpm) } : {}),
    ...(opts.concurrency !== undefined ? { concurrency: intOption('concurrency', opts.concurrency) } : {}),
    ...(opts.recrawl !== undefined ? { recrawlIntervalSec: intOption('recrawl', opts.recrawl) } : {}),
    ...(opts.javascript !== undefined ? { javascript: opts.javascript } : {}),
    ...(opts.images !== undefined ? { allowImages: opts.images } : {}),
  };
  const input: SourceInput = {
    ...fileRest,
    name: name ?? fileRest.name ?? '',
    urls: urls.length ? urls : (fileRest.urls ?? []),
    kind: (opts.kind ?? fileRest.kind) as SourceInput['kind'],
    fetchMode: (opts.mode ?? fileMode ?? fileRest.fetchMode) as SourceInput['fetchMode'],
    policy,
    extractorProfile: opts.profile ?? fileRest.extractorProfile,
    languageHints: opts.lang ?? fileRest.languageHints,
    pgpKey: opts.pgpKey ? readFileSync(opts.pgpKey, 'utf8') : fileRest.pgpKey,
    session: sessionFrom(fromFile, opts),
  };
  return input;
}

function describeSource(s: SourceRecord): string {
  const lines = [
    `${s.name}  (${s.kind}, ${s.fetchMode} mode${s.enabled ? '' : ', disabled'})`,
    ...s.mirrors.map((m) => `  ${m.isPrimary ? 'primary' : 'mirror '} ${m.url}  [${m.origin}, ${m.status}]`),
    `  policy   depth ≤ ${s.policy.maxDepth}, budget ${s.policy.pageBudget} pages, ${s.policy.requestsPerMinute}/min, concurrency ${s.policy.concurrency}` +
      (s.policy.recrawlIntervalSec ? `, recrawl every ${s.policy.recrawlIntervalSec}s` : ''),
    `  health   last success ${s.lastSuccessAt?.toISOString() ?? 'never'}; last error ${s.lastErrorAt ? `${s.lastErrorAt.toISOString()} ${s.lastError ?? ''}` : 'none'}`,
  ];
  const login = s.session?.login;
  if (login) {
    // Field names only: values may be secrets.
    lines.push(
      `  login    scripted: ${login.url} (fields ${Object.keys(login.fields).join(', ')}${login.submitSelector ? `; submit ${login.submitSelector}` : ''})`,
    );
  }
  if (s.needsHuman) lines.push(`  BLOCKED  ${s.needsHuman} — supply a session (cookies) to resume`);
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  const source = program.command('source').description('manage sources (sites to crawl)');

  source
    .command('add')
    .description(
      'register a source: NAME and its base URLs (first is primary, others are mirrors), or --file F',
    )
    .argument('[name]')
    .argument('[urls...]')
    .option('--kind <kind>', `one of ${SOURCE_KINDS.join(', ')}`)
    .option('--mode <mode>', `fetch mode: ${FETCH_MODES.join(' | ')}`)
    .option('--file <file>', 'YAML file describing the source (- for stdin)')
    .option('--seed <path>', 'seed path or URL (repeatable)', collect)
    .option('--include <pattern>', 'URL include pattern (repeatable)', collect)
    .option('--exclude <pattern>', 'URL exclude pattern (repeatable)', collect)
    .option('--max-depth <n>')
    .option('--budget <pages>', 'page budget per run')
    .option('--rpm <n>', 'requests per minute')
    .option('--concurrency <n>')
    .option('--recrawl <seconds>', 'recrawl interval')
    .option('--javascript', 'allow JavaScript in browser mode')
    .option('--images', 'fetch images (stored as evidence, shown blurred)')
    .option('--profile <name>', 'extractor profile')
    .option('--lang <code>', 'language hint (repeatable)', collect)
    .option('--pgp-key <file>', 'armored public key that signs the mirror list')
    .option('--login-url <url>', 'scripted login: the login form page (a path on the site or a URL)')
    .option(
      '--login-field <name=value>',
      'scripted login: a form field (repeatable); value may be ${env:DW_SRC_NAME}',
      collect,
    )
    .option('--login-submit <selector>', 'scripted login in browser mode: CSS selector of the submit button')
    .option('--json', 'print the stored source as JSON')
    .action(async (name: string | undefined, urls: string[], opts: AddOptions) => {
      const input = sourceInputFrom(name, urls, opts);
      await withDatabase(async ({ db, config, redisUrl }) => {
        const stored = await withTransaction(db, async (tx) => {
          const ws = await operationalWorkspace(tx);
          const created = await addSource(tx, ws.id, input);
          await appendAudit(tx, {
            actor: cliActor(),
            workspaceId: ws.id,
            action: 'source.add',
            entityType: 'source',
            entityId: created.id,
            after: created,
          });
          return created;
        });
        await syncSchedulesFromCli(db, config, redisUrl);
        if (opts.json) printJson(stored);
        else process.stdout.write(`added ${describeSource(stored)}`);
      });
    });

  source
    .command('list')
    .option('--json', 'JSON lines')
    .action(async (opts: { json?: boolean }) => {
      await withDatabase(async ({ db }) => {
        const ws = await operationalWorkspace(db);
        const sources = await listSources(db, ws.id);
        for (const s of sources) {
          if (opts.json) printJson(s);
          else
            process.stdout.write(
              `${s.name.padEnd(24)} ${s.kind.padEnd(8)} ${s.fetchMode.padEnd(8)} ${s.baseUrls[0] ?? ''}${s.needsHuman ? '  [blocked]' : ''}\n`,
            );
        }
        if (!opts.json && sources.length === 0)
          process.stdout.write('no sources yet: darkwatch source add NAME URL…\n');
      });
    });

  source
    .command('show')
    .argument('<name>')
    .option('--json')
    .action(async (name: string, opts: { json?: boolean }) => {
      await withDatabase(async ({ db }) => {
        const ws = await operationalWorkspace(db);
        const s = await getSource(db, ws.id, name);
        if (!s) throw new UserError(`no source named "${name}"`);
        const runs = await latestRuns(db, s.id, 5);
        if (opts.json)
          printJson({ ...s, runs, deadLetters: runs[0] ? await deadLetters(db, runs[0].id) : [] });
        else {
          process.stdout.write(describeSource(s));
          for (const r of runs) {
            process.stdout.write(
              `  run ${r.id}  ${r.status.padEnd(9)} ${r.pagesFetched} pages, ${r.pagesFailed} failed  ${r.createdAt.toISOString()}\n`,
            );
          }
          // The dead-letter view: pages of the latest run that kept failing, and why.
          const failed = runs[0] ? await deadLetters(db, runs[0].id) : [];
          for (const f of failed.slice(0, 20))
            process.stdout.write(
              `  failed   ${f.url}  (${f.attempts} attempts: ${f.lastError ?? 'unknown'})\n`,
            );
          if (failed.length > 20) process.stdout.write(`  … and ${failed.length - 20} more failed pages\n`);
        }
      });
    });

  source
    .command('session')
    .argument('<name>')
    .description(
      'supply a session for a source (e.g. one blocked by a login wall or CAPTCHA): cookies replace the stored ones, ' +
        'the source no longer needs a person, and the next crawl uses them; a login recipe is kept',
    )
    .option('--cookie <name=value>', 'a cookie (repeatable)', collect)
    .option(
      '--cookies-file <file>',
      'cookies.txt (Netscape format, as browsers export) or a JSON array of {name, value}',
    )
    .action(async (name: string, opts: { cookie?: string[]; cookiesFile?: string }) => {
      const cookies = [...(opts.cookie ?? []).map(parseCookieFlag)];
      if (opts.cookiesFile) cookies.push(...parseCookieFile(readBounded(opts.cookiesFile, MAX_COOKIE_FILE)));
      if (cookies.length === 0) throw new UserError('give --cookie NAME=VALUE or --cookies-file FILE');
      await withDatabase(async ({ db }) => {
        const result = await withTransaction(db, async (tx) => {
          const ws = await operationalWorkspace(tx);
          const s = await getSource(tx, ws.id, name);
          if (!s) throw new UserError(`no source named "${name}"`);
          const parsed = sourceSessionSchema.safeParse({ cookies, login: s.session?.login ?? null });
          if (!parsed.success)
            throw new UserError(
              `invalid session: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
            );
          await setSourceSession(tx, s.id, parsed.data);
          await appendAudit(tx, {
            actor: cliActor(),
            workspaceId: ws.id,
            action: 'source.session',
            entityType: 'source',
            entityId: s.id,
            before: { needsHuman: s.needsHuman },
            // Cookie names only: values are credentials and stay out of the audit log.
            after: { cookies: parsed.data.cookies.map((c) => c.name) },
          });
          return { wasBlocked: s.needsHuman, count: parsed.data.cookies.length };
        });
        process.stdout.write(
          `session for ${name}: ${result.count} cookie(s) stored` +
            (result.wasBlocked ? ` (was blocked: ${result.wasBlocked})` : '') +
            '\n',
        );
      });
    });

  source
    .command('rm')
    .argument('<name>')
    .description('remove a source (one with captured evidence is disabled instead, to keep provenance)')
    .action(async (name: string) => {
      await withDatabase(async ({ db, config, redisUrl }) => {
        await withTransaction(db, async (tx) => {
          const ws = await operationalWorkspace(tx);
          const before = await getSource(tx, ws.id, name);
          if (!before || !(await removeSource(tx, ws.id, name)))
            throw new UserError(`no source named "${name}"`);
          await appendAudit(tx, {
            actor: cliActor(),
            workspaceId: ws.id,
            action: 'source.remove',
            entityType: 'source',
            entityId: before.id,
            before,
          });
        });
        await syncSchedulesFromCli(db, config, redisUrl);
        process.stdout.write(`removed ${name}\n`);
      });
    });
}
