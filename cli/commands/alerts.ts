// `darkwatch alerts list / show / set-status / export`: triage from the terminal.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import {
  ALERT_STATUSES,
  DISMISS_REASONS,
  SEVERITIES,
  type AlertStatus,
  type DismissReason,
} from '../../core/types.js';
import {
  AlertTransitionError,
  alertCursor,
  getAlert,
  listAlerts,
  setAlertStatus,
  type AlertRow,
} from '../../store/alerts.js';
import { parseAlertFilterText, parseIdList } from '../../store/alert-filters.js';
import { appendAudit } from '../../store/audit.js';
import { TLP_LEVELS, type Tlp } from '../../store/cases.js';
import { withTransaction, type Db } from '../../store/db.js';
import { getUserByName } from '../../store/users.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { alertDetail } from '../../web/routes/alerts.js';
import { alertsCsv } from '../../web/exports/csv.js';
import { exportAlerts } from '../../web/exports/gather.js';
import { mispEvent } from '../../web/exports/misp.js';
import { stixBundle } from '../../web/exports/stix.js';
import { printJson, withDatabase } from '../context.js';
import { cliActor } from './user.js';

async function workspaceId(db: Db, value: string | undefined): Promise<number> {
  if (value === undefined) return (await operationalWorkspace(db)).id;
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new UserError('--workspace must be a workspace id');
  return id;
}

function alertId(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new UserError(`"${value}" is not an alert id`);
  return id;
}

interface ListOpts {
  status?: string;
  severity?: string;
  rule?: string;
  site?: string;
  category?: string;
  limit: string;
  workspace?: string;
  json?: boolean;
}

function withFilters(cmd: Command): Command {
  return cmd
    .option('--status <list>', `comma-separated: ${ALERT_STATUSES.join(', ')}`)
    .option('--severity <list>', `comma-separated: ${SEVERITIES.join(', ')}`)
    .option('--rule <name>', 'rule name')
    .option('--site <name>', 'source name')
    .option('--category <c>', 'firearms | drugs | documents | other')
    .option('--limit <n>', 'how many', '50')
    .option('--workspace <id>', 'workspace id (default: operational)');
}

async function fetchAlerts(db: Db, ws: number, o: ListOpts): Promise<AlertRow[]> {
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100000)
    throw new UserError('--limit must be 1…100000');
  const filter = parseAlertFilterText(o, (field) => `--${field}`);
  const rows: AlertRow[] = [];
  let after;
  while (rows.length < limit) {
    const page = await listAlerts(db, ws, { ...filter, after, limit: Math.min(500, limit - rows.length) });
    rows.push(...page);
    if (page.length < 500) break;
    after = alertCursor(page[page.length - 1]!);
  }
  return rows;
}

export function register(program: Command): void {
  const alerts = program.command('alerts').description('triage alerts from the terminal');

  withFilters(alerts.command('list').description('the triage queue, newest first'))
    .option('--json', 'one JSON object per line')
    .action(async (o: ListOpts) => {
      await withDatabase(async ({ db }) => {
        const rows = await fetchAlerts(db, await workspaceId(db, o.workspace), o);
        for (const a of rows) {
          if (o.json) printJson(a);
          else
            process.stdout.write(
              `${a.id}\t${a.severity}\t${a.status}\t${a.ruleName}\t${a.sourceName ?? '-'}\t${a.title}\n`,
            );
        }
      });
    });

  alerts
    .command('show <id>')
    .description('one alert with its record, entities, rule, notes and history (JSON)')
    .option('--workspace <id>', 'workspace id (default: operational)')
    .action(async (id: string, o: { workspace?: string }) => {
      await withDatabase(async ({ db }) => {
        const ws = await workspaceId(db, o.workspace);
        const a = await getAlert(db, ws, alertId(id));
        if (!a) throw new UserError(`alert ${id} not found`);
        printJson(await alertDetail(db, ws, a));
      });
    });

  alerts
    .command('set-status <id> <status>')
    .description(`move an alert: ${ALERT_STATUSES.filter((s) => s !== 'escalated').join(', ')}`)
    .option('--reason <r>', `for dismissed: ${DISMISS_REASONS.join(', ')}`)
    .option('--as <user>', 'the analyst recorded in the audit log (default: cli:<os user>)')
    .option('--workspace <id>', 'workspace id (default: operational)')
    .action(async (id: string, status: string, o: { reason?: string; as?: string; workspace?: string }) => {
      if (!(ALERT_STATUSES as readonly string[]).includes(status))
        throw new UserError(`status must be one of ${ALERT_STATUSES.join(', ')}`);
      if (status === 'escalated') throw new UserError('escalate in the web app or API (it needs a case)');
      if (o.reason !== undefined && !(DISMISS_REASONS as readonly string[]).includes(o.reason))
        throw new UserError(`--reason must be one of ${DISMISS_REASONS.join(', ')}`);
      await withDatabase(async ({ db }) => {
        const ws = await workspaceId(db, o.workspace);
        let actor = cliActor();
        if (o.as) {
          const u = await getUserByName(db, o.as);
          if (!u) throw new UserError(`no user named "${o.as}"`);
          actor = { id: u.id, name: u.username };
        }
        try {
          const a = await withTransaction(db, (tx) =>
            setAlertStatus(tx, ws, alertId(id), status as AlertStatus, actor, {
              reason: o.reason as DismissReason | undefined,
            }),
          );
          printJson({ id: a.id, status: a.status, dismissReason: a.dismissReason });
        } catch (err) {
          if (err instanceof AlertTransitionError) throw new UserError(err.message);
          throw err;
        }
      });
    });

  withFilters(alerts.command('export').description('export alerts as CSV, a STIX 2.1 bundle or a MISP event'))
    .requiredOption('--format <f>', 'csv | stix | misp')
    .option('--ids <list>', 'comma-separated alert ids (instead of the filters)')
    .option('--tlp <level>', TLP_LEVELS.join(' | '), 'amber')
    .option('--producer <name>', 'organisation named in the export', 'darkwatch')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(
      async (o: ListOpts & { format: string; ids?: string; tlp: string; producer: string; out?: string }) => {
        if (!['csv', 'stix', 'misp'].includes(o.format))
          throw new UserError('--format must be csv, stix or misp');
        if (!(TLP_LEVELS as readonly string[]).includes(o.tlp))
          throw new UserError(`--tlp must be one of ${TLP_LEVELS.join(', ')}`);
        const ids = parseIdList(o.ids, '--ids');
        const text = await withDatabase(async ({ db }) => {
          const ws = await workspaceId(db, o.workspace);
          let rows: AlertRow[];
          if (ids) {
            rows = [];
            for (const id of ids) {
              const a = await getAlert(db, ws, id);
              if (!a) throw new UserError(`alert ${id} not found`);
              rows.push(a);
            }
          } else rows = await fetchAlerts(db, ws, o);
          const data = await exportAlerts(db, ws, rows);
          await withTransaction(db, (tx) =>
            appendAudit(tx, {
              actor: cliActor(),
              workspaceId: ws,
              action: 'alerts.export',
              entityType: 'alert',
              entityId: null,
              after: { format: o.format, ids: data.map((d) => d.id) },
            }),
          );
          const ctx = {
            producer: o.producer,
            tlp: o.tlp as Tlp,
            generatedAt: new Date(),
            title: `darkwatch alerts export (${data.length})`,
          };
          if (o.format === 'csv') return alertsCsv(data);
          return (
            JSON.stringify(
              o.format === 'stix' ? stixBundle(data, [], ctx) : mispEvent(data, [], ctx),
              null,
              2,
            ) + '\n'
          );
        });
        if (o.out) writeFileSync(o.out, text);
        else process.stdout.write(text);
      },
    );
}
