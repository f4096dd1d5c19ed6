// `darkwatch range` — serve the training range until stopped — and `darkwatch range truth`.
import type { Command } from 'commander';
import { UserError, errorMessage } from '../../core/errors.js';
import { parseObstacles, startRange, type RangeOptions } from '../../range/range.js';

function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new UserError(`--${name} must be an integer between ${min} and ${max}, got "${value}"`);
    }
    return n;
  };
}

function floatOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new UserError(`--${name} must be a number between ${min} and ${max}, got "${value}"`);
    }
    return n;
  };
}

interface ServeFlags {
  seed: number;
  socksPort: number;
  latencyMs: number;
  latencySigma?: number;
  failureRate: number;
  obstacles: string;
  epoch: number;
  size?: number;
}

export function register(program: Command): void {
  const range = program
    .command('range')
    .description('serve the training range (simulated onion sites) behind a SOCKS5 gateway until stopped')
    .option('--seed <n>', 'content and address seed', intOption('seed', 0, 2 ** 31 - 1), 1)
    .option(
      '--socks-port <port>',
      'SOCKS5 gateway port on 127.0.0.1 (0 = any free port)',
      intOption('socks-port', 0, 65535),
      9150,
    )
    .option(
      '--latency-ms <ms>',
      'median Tor-like latency injected on connect and first byte (0 = off)',
      intOption('latency-ms', 0, 60_000),
      0,
    )
    .option('--latency-sigma <s>', 'spread of the log-normal latency', floatOption('latency-sigma', 0, 3))
    .option(
      '--failure-rate <p>',
      'probability that a gateway CONNECT fails (0..1)',
      floatOption('failure-rate', 0, 1),
      0,
    )
    .option(
      '--obstacles <list>',
      'comma list of login,captcha,ratelimit,errors,traps,malformed — or all / none',
      'none',
    )
    .option('--epoch <n>', 'range clock at start', intOption('epoch', 0, 10_000), 0)
    .option('--size <n>', 'approximate number of listings', intOption('size', 10, 200_000))
    .action(async (flags: ServeFlags) => {
      let obstacles;
      try {
        obstacles = parseObstacles(flags.obstacles);
      } catch (err) {
        throw new UserError(errorMessage(err));
      }
      const options: RangeOptions = {
        seed: flags.seed,
        socksPort: flags.socksPort,
        latencyMs: flags.latencyMs,
        latencySigma: flags.latencySigma,
        failureRate: flags.failureRate,
        obstacles,
        epoch: flags.epoch,
        size: flags.size,
      };
      let running;
      try {
        running = await startRange(options);
      } catch (err) {
        const msg = errorMessage(err);
        if (/EADDRINUSE/.test(msg))
          throw new UserError(`SOCKS port ${flags.socksPort} is already in use (try --socks-port 0)`);
        throw new UserError(`could not start the range: ${msg}`);
      }
      for (const site of running.sites) {
        process.stdout.write(
          `${JSON.stringify({ name: site.name, kind: site.kind, onion: site.onion, mirrors: site.mirrors })}\n`,
        );
      }
      process.stdout.write(`${JSON.stringify({ socks: running.socksUrl, admin: running.adminUrl })}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void running.stop().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
  void range;
}
