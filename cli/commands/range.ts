// `darkwatch range` — serve the training range until stopped — and `darkwatch range truth`.
import type { Command } from 'commander';
import { UserError, errorMessage } from '../../core/errors.js';
import { generateWorld } from '../../range/generate/world.js';
import { DEFAULT_SIZE, parseObstacles, startRange, type RangeOptions } from '../../range/range.js';
import { buildTruth } from '../../range/truth.js';

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
  tor?: boolean;
  torDir?: string;
}

export function register(program: Command): void {
  const range = program
    .command('range')
    .description(
      'training range: simulated onion sites behind a SOCKS5 gateway (`range truth` for the ground truth)',
    );
  // `darkwatch range [options]` runs the default subcommand `serve`; keeping serve's options off
  // the parent lets `range truth --seed N` own its --seed.
  range
    .command('serve', { isDefault: true })
    .description('serve the training range until SIGINT/SIGTERM')
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
    .option('--tor', 'also serve every site as a real onion service on a private Tor network (range/tor/)')
    .option('--tor-dir <dir>', 'data directory of the private Tor network (default .darkwatch/tor)')
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
      // Real-Tor mode: the same site servers, published as onion services of a private Tor
      // network; the Tor client's SOCKS URL replaces the gateway's in the output.
      let tor: { socksUrl: string; stop(): Promise<void> } | null = null;
      if (flags.tor) {
        try {
          const { rangeTorSites, startRangeTor } = await import('../../range/tor/index.js');
          const sites = rangeTorSites(
            running.seed,
            running.sites,
            (onion) => running.gateway.getRoute(onion)?.port,
          );
          tor = await startRangeTor({
            sites,
            dataDir: flags.torDir,
            log: (m) => process.stderr.write(`tor: ${m}\n`),
          });
        } catch (err) {
          await running.stop();
          throw err instanceof UserError ? err : new UserError(`range --tor: ${errorMessage(err)}`);
        }
      }
      for (const site of running.sites) {
        process.stdout.write(
          `${JSON.stringify({ name: site.name, kind: site.kind, onion: site.onion, mirrors: site.mirrors })}\n`,
        );
      }
      process.stdout.write(
        `${JSON.stringify(
          tor
            ? { socks: tor.socksUrl, admin: running.adminUrl, gateway: running.socksUrl }
            : { socks: running.socksUrl, admin: running.adminUrl },
        )}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void (tor ? tor.stop() : Promise.resolve())
            .catch(() => undefined)
            .then(() => running.stop())
            .then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
  range
    .command('truth')
    .description('print the ground truth of a range: every planted listing, post, vendor and entity')
    .option('--seed <n>', 'content and address seed', intOption('seed', 0, 2 ** 31 - 1), 1)
    .option('--epoch <n>', 'range clock', intOption('epoch', 0, 10_000), 0)
    .option(
      '--size <n>',
      'approximate number of listings (as given to `darkwatch range`)',
      intOption('size', 10, 200_000),
    )
    .option('--json', 'print the truth as one JSON document')
    .action((flags: { seed: number; epoch: number; size?: number; json?: boolean }) => {
      const world = generateWorld({ seed: flags.seed, size: flags.size ?? DEFAULT_SIZE });
      const truth = buildTruth(world, flags.epoch);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(truth)}\n`);
        return;
      }
      const lines = [
        `seed ${truth.seed}, size ${truth.size}, epoch ${truth.epoch}`,
        ...truth.sites.map((s) => `  ${s.name.padEnd(18)} ${s.kind.padEnd(7)} ${s.onion}`),
        `listings ${truth.listings.length}, posts ${truth.posts.length}, vendors ${truth.vendors.length}, entities ${truth.entities.length}, events ${truth.events.length}`,
        '(use --json for everything)',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
