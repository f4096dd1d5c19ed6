// `darkwatch alerts suppress / suppressions / unsuppress`: silence a rule for one listing, a vendor
// or an entity, with a reason, an owner and an expiry — audited (store/suppressions.ts).
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import type { Actor } from '../../store/audit.js';
import { withTransaction, type Db } from '../../store/db.js';
import {
  addSuppression,
  listSuppressions,
  parseEntitySubject,
  removeSuppression,
  SuppressionError,
  type SuppressionRow,
  type SuppressionSubject,
} from '../../store/suppressions.js';
import { getUserByName } from '../../store/users.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { cliActor, printJson, withDatabase } from '../context.js';

/** `30d`, `12h`, `90m`, `2w` from now, or an ISO 8601 date/time in the future. */
export function parseExpiry(text: string, now = new Date()): Date {
  const m = /^(\d{1,5})([mhdw])$/.exec(text.trim());
  if (m) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2] as 'm' | 'h' | 'd' | 'w'];
    const ms = Number(m[1]) * unit;
    if (ms <= 0) throw new UserError('--expires must be a positive duration');
    return new Date(now.getTime() + ms);
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    const d = new Date(text.trim());
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new UserError(
    `--expires must look like 30d, 12h, 90m, 2w or an ISO date, got "${text.slice(0, 60)}"`,
  );
}

async function workspaceId(db: Db, value: string | undefined): Promise<number> {
  if (value === undefined) return (await operationalWorkspace(db)).id;
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new UserError('--workspace must be a workspace id');
  return id;
}

async function actorFor(db: Db, as: string | undefined): Promise<Actor> {
  if (!as) return cliActor();
  const u = await getUserByName(db, as);
  if (!u) throw new UserError(`no user named "${as}"`);
  return { id: u.id, name: u.username };
}

function subjectFrom(o: { listing?: string; vendor?: string; entity?: string }): SuppressionSubject {
  const given = [o.listing, o.vendor, o.entity].filter((x) => x !== undefined);
  if (given.length !== 1)
    throw new UserError('give exactly one of --listing ID, --vendor NAME, --entity TYPE:VALUE');
  if (o.listing !== undefined) {
    const id = Number(o.listing);
    if (!/^\d{1,15}$/.test(o.listing) || !Number.isSafeInteger(id) || id < 1)
      throw new UserError(`--listing: "${o.listing.slice(0, 40)}" is not a listing id`);
    return { type: 'listing', listingId: id };
  }
  if (o.vendor !== undefined) return { type: 'vendor', name: o.vendor };
  try {
    return parseEntitySubject(o.entity!);
  } catch (err) {
    throw new UserError(`--entity: ${(err as Error).message}`);
  }
}

function line(s: SuppressionRow): string {
  return `${s.id}\t${s.rule}\t${s.subjectType}:${s.subjectKey}\t${s.owner ?? '-'}\t${s.expiresAt ? s.expiresAt.toISOString() : 'never'}\t${s.reason}\n`;
}

export function register(program: Command): void {
  const alerts =
    program.commands.find((c) => c.name() === 'alerts') ??
    program.command('alerts').description('triage alerts');

  alerts
    .command('suppress')
    .description('silence a rule for one listing, a vendor or an entity')
    .requiredOption('--rule <name>', 'the rule to silence')
    .option('--listing <id>', 'a listing id')
    .option('--vendor <name>', 'every listing by this vendor')
    .option('--entity <type:value>', 'every listing mentioning this entity, e.g. pgp:0123ABCD…')
    .requiredOption('--reason <text>', 'why (kept with the suppression and in the audit log)')
    .option('--expires <when>', 'e.g. 30d, 12h, or an ISO date (default: never)')
    .option('--as <user>', 'the analyst who owns it (default: cli:<os user>)')
    .option('--workspace <id>', 'workspace id (default: operational)')
    .option('--json', 'print the suppression as JSON')
    .action(
      async (o: {
        rule: string;
        listing?: string;
        vendor?: string;
        entity?: string;
        reason: string;
        expires?: string;
        as?: string;
        workspace?: string;
        json?: boolean;
      }) => {
        const subject = subjectFrom(o);
        const expiresAt = o.expires ? parseExpiry(o.expires) : null;
        await withDatabase(async ({ db }) => {
          const ws = await workspaceId(db, o.workspace);
          const actor = await actorFor(db, o.as);
          try {
            const s = await withTransaction(db, (tx) =>
              addSuppression(tx, ws, { rule: o.rule, subject, reason: o.reason, expiresAt }, actor),
            );
            if (o.json) printJson(s);
            else process.stdout.write(`suppression ${s.id} added\n`);
          } catch (err) {
            if (err instanceof SuppressionError) throw new UserError(err.message);
            throw err;
          }
        });
      },
    );

  alerts
    .command('suppressions')
    .description('active suppressions (id, rule, subject, owner, expiry, reason)')
    .option('--all', 'include expired ones')
    .option('--workspace <id>', 'workspace id (default: operational)')
    .option('--json', 'one JSON object per line')
    .action(async (o: { all?: boolean; workspace?: string; json?: boolean }) => {
      await withDatabase(async ({ db }) => {
        for (const s of await listSuppressions(db, await workspaceId(db, o.workspace), {
          includeExpired: o.all,
        })) {
          if (o.json) printJson(s);
          else process.stdout.write(line(s));
        }
      });
    });

  alerts
    .command('unsuppress <id>')
    .description('remove a suppression')
    .option('--as <user>', 'the analyst recorded in the audit log (default: cli:<os user>)')
    .option('--workspace <id>', 'workspace id (default: operational)')
    .action(async (idText: string, o: { as?: string; workspace?: string }) => {
      const id = Number(idText);
      if (!/^\d{1,15}$/.test(idText) || id < 1)
        throw new UserError(`"${idText.slice(0, 40)}" is not a suppression id`);
      await withDatabase(async ({ db }) => {
        const ws = await workspaceId(db, o.workspace);
        const actor = await actorFor(db, o.as);
        if (!(await withTransaction(db, (tx) => removeSuppression(tx, ws, id, actor))))
          throw new UserError(`suppression ${id} not found`);
        process.stdout.write(`suppression ${id} removed\n`);
      });
    });
}
