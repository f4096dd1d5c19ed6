// darkwatch command line (SPEC §7). Each command group lives in cli/commands/<name>.ts and
// exports `register(program)`; this file only wires them together and turns errors into
// one clear line on stderr with a non-zero exit.
import { Command, CommanderError } from 'commander';
import { UserError } from '../core/errors.js';
import { loadCommandModules, type CommandModule } from './commands/index.js';

export function buildProgram(commandModules: CommandModule[]): Command {
  const program = new Command('darkwatch')
    .description('Dark-web and OSINT monitoring crawler for law-enforcement cybercrime units')
    .showHelpAfterError()
    .exitOverride();
  for (const mod of commandModules) mod.register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram(await loadCommandModules(argv));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof UserError) {
      process.stderr.write(`darkwatch: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(
      `darkwatch: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 70;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Every command closes what it opened; should a library still hold a handle, do not hang the
// terminal over it.
setTimeout(() => process.exit(code), 2000).unref();
