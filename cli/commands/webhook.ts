// `darkwatch webhook add / list / rm`: where new alerts are pushed (signed with HMAC-SHA256; see
// workers/notify.ts). Every change is audited; the secret is printed once, on creation.
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { SEVERITIES, type Severity } from '../../core/types.js';
import { withTransaction, type Db } from '../../store/db.js';
import {
  addWebhook,
  isSeverity,
  listWebhooks,
  removeWebhook,
  WebhookUrlError,
} from '../../store/webhooks.js';
import { operationalWorkspace } from '../../store/workspaces.js';
import { cliActor, printJson, withDatabase } from '../context.js';

async function workspaceId(db: Db, value: string | undefined): Promise<number> {
  if (value === undefined) return (await operationalWorkspace(db)).id;
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new UserError('--workspace must be a workspace id');
  return id;
}

export function register(program: Command): void {
  const webhook = program.command('webhook').description('signed webhooks for new alerts');

  webhook
    .command('add <url>')
    .description('push new alerts to URL (http or https); prints the signing secret once')
    .option('--min-severity <s>', SEVERITIES.join(' | '), 'low')
    .option('--workspace <id>', 'workspace id (default: operational)')
    .option('--json', 'print a JSON object')
    .action(async (url: string, o: { minSeverity: string; workspace?: string; json?: boolean }) => {
      if (!isSeverity(o.minSeverity))
        throw new UserError(`--min-severity must be one of ${SEVERITIES.join(', ')}`);
      await withDatabase(async ({ db }) => {
        const ws = await workspaceId(db, o.workspace);
        try {
          const { webhook: w, secret } = await withTransaction(db, (tx) =>
            addWebhook(tx, ws, { url, minSeverity: o.minSeverity as Severity }, cliActor()),
          );
          if (o.json) printJson({ id: w.id, url: w.url, minSeverity: w.minSeverity, secret });
          else
            process.stdout.write(
              `webhook ${w.id} added: ${w.url} (min severity ${w.minSeverity})\n` +
                `secret (shown only now; verify X-Darkwatch-Signature = sha256=HMAC-SHA256(secret, body)):\n${secret}\n`,
            );
        } catch (err) {
          if (err instanceof WebhookUrlError) throw new UserError(err.message);
          throw err;
        }
      });
    });

  webhook
    .command('list')
    .description('the workspace’s webhooks (secrets are not shown)')
    .option('--workspace <id>', 'workspace id (default: operational)')
    .option('--json', 'one JSON object per line')
    .action(async (o: { workspace?: string; json?: boolean }) => {
      await withDatabase(async ({ db }) => {
        for (const w of await listWebhooks(db, await workspaceId(db, o.workspace))) {
          if (o.json) printJson(w);
          else
            process.stdout.write(
              `${w.id}\t${w.minSeverity}\t${w.enabled ? 'enabled' : 'disabled'}\t${w.url}\n`,
            );
        }
      });
    });

  webhook
    .command('rm <id>')
    .description('remove a webhook (pending deliveries are dropped)')
    .option('--workspace <id>', 'workspace id (default: operational)')
    .action(async (idText: string, o: { workspace?: string }) => {
      const id = Number(idText);
      if (!Number.isSafeInteger(id) || id < 1) throw new UserError(`"${idText}" is not a webhook id`);
      await withDatabase(async ({ db }) => {
        const ws = await workspaceId(db, o.workspace);
        const removed = await withTransaction(db, (tx) => removeWebhook(tx, ws, id, cliActor()));
        if (!removed) throw new UserError(`webhook ${id} not found`);
        process.stdout.write(`webhook ${id} removed\n`);
      });
    });
}
