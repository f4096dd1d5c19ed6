// `darkwatch user add/passwd/token/list`: accounts from the terminal (the first admin is made here).
import os from 'node:os';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { ROLES, type Role } from '../../core/types.js';
import type { Actor } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { createApiToken, createUser, listUsers, newSecret, setPassword } from '../../store/users.js';
import { printJson, withDatabase } from '../context.js';

export function cliActor(): Actor {
  return { id: null, name: `cli:${os.userInfo().username}` };
}

async function readStdinPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 4096) throw new UserError('password on stdin is too long');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (!text) throw new UserError('no password on stdin');
  return text;
}

export function register(program: Command): void {
  const user = program.command('user').description('manage accounts (admin, analyst, trainer, trainee)');

  user
    .command('add <name>')
    .description('create a user; prints a generated password unless --password-stdin')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--workspace <id>', 'workspace id (required for a trainee: the exercise workspace)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--json', 'print the user as JSON')
    .action(
      async (
        name: string,
        opts: { role: string; workspace?: string; passwordStdin?: boolean; json?: boolean },
      ) => {
        if (!(ROLES as readonly string[]).includes(opts.role))
          throw new UserError(`--role must be one of ${ROLES.join(', ')}`);
        const workspaceId = opts.workspace === undefined ? null : Number(opts.workspace);
        if (workspaceId !== null && (!Number.isSafeInteger(workspaceId) || workspaceId < 1))
          throw new UserError('--workspace must be a workspace id');
        const generated = opts.passwordStdin ? null : newSecret().slice(0, 20);
        const password = generated ?? (await readStdinPassword());
        await withDatabase(async ({ db }) => {
          const u = await withTransaction(db, (tx) =>
            createUser(tx, { username: name, password, role: opts.role as Role, workspaceId }, cliActor()),
          );
          if (opts.json)
            printJson({
              id: u.id,
              username: u.username,
              role: u.role,
              workspaceId: u.workspaceId,
              password: generated,
            });
          else
            process.stdout.write(
              `created ${u.role} ${u.username} (id ${u.id})${generated ? `\npassword: ${generated}` : ''}\n`,
            );
        });
      },
    );

  user
    .command('passwd <name>')
    .description(
      "set a new password (ends the user's sessions); prints a generated one unless --password-stdin",
    )
    .option('--password-stdin', 'read the password from stdin')
    .action(async (name: string, opts: { passwordStdin?: boolean }) => {
      const generated = opts.passwordStdin ? null : newSecret().slice(0, 20);
      const password = generated ?? (await readStdinPassword());
      await withDatabase(({ db }) =>
        withTransaction(db, (tx) => setPassword(tx, name, password, cliActor())),
      );
      process.stdout.write(`password changed for ${name}${generated ? `\npassword: ${generated}` : ''}\n`);
    });

  user
    .command('token <name>')
    .description('issue an API token (Authorization: Bearer …); shown once')
    .option('--label <label>', 'what the token is for', 'cli')
    .action(async (name: string, opts: { label: string }) => {
      const t = await withDatabase(({ db }) =>
        withTransaction(db, (tx) => createApiToken(tx, name, opts.label, cliActor())),
      );
      process.stdout.write(`${t.token}\n`);
    });

  user
    .command('list')
    .option('--json', 'JSON lines')
    .action(async (opts: { json?: boolean }) => {
      const users = await withDatabase(({ db }) => listUsers(db));
      for (const u of users) {
        if (opts.json)
          printJson({
            id: u.id,
            username: u.username,
            role: u.role,
            workspaceId: u.workspaceId,
            disabled: u.disabled,
          });
        else
          process.stdout.write(
            `${u.username}\t${u.role}\t${u.workspaceId ?? '-'}${u.disabled ? '\tdisabled' : ''}\n`,
          );
      }
    });
}
