// `darkwatch extract FILE --url URL --json`: offline extraction of one saved page (SPEC §7).
// FILE may be `-` for stdin. The JSON printed is exactly the §7 object; errors go to stderr.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { ExtractInputError } from '../../extractors/errors.js';
import { DEFAULT_MAX_BYTES } from '../../extractors/page/load.js';
import { classify as classifyListing } from '../../extractors/classifier/index.js';
import { extractPage, toSpecJson } from '../../extractors/page/extract.js';
import { loadProfiles, ProfileError } from '../../extractors/page/profile.js';
import { loadRates } from '../../extractors/price.js';

interface ExtractCliOptions {
  url: string;
  json?: boolean;
  profile?: string;
  profiles?: string;
  rates?: string;
  maxBytes: number;
  region?: string[];
  classify: boolean;
}

async function readInput(file: string, maxBytes: number): Promise<Buffer> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      const b = chunk as Buffer;
      size += b.length;
      // Stop reading early instead of buffering an unbounded stream.
      if (size > maxBytes)
        throw new UserError(`stdin is larger than the ${maxBytes}-byte limit (--max-bytes)`);
      chunks.push(b);
    }
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
}

function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new UserError(`--max-bytes must be a positive integer, got "${v}"`);
  return n;
}

export function register(program: Command): void {
  program
    .command('extract')
    .description('extract listings, posts, entities and language from one saved page (FILE or - for stdin)')
    .argument('<file>', 'saved HTML page, or - for stdin')
    .requiredOption('--url <url>', 'URL the page was fetched from (resolves links, names the site)')
    .option('--json', 'print the SPEC §7 JSON object')
    .option('--profile <name>', 'use this site profile instead of choosing by host')
    .option('--profiles <dir>', 'directory of site profiles (default extractors/profiles)')
    .option('--rates <file>', 'EUR rates table (JSON: { date, rates }), default extractors/rates.json')
    .option('--max-bytes <n>', 'largest page accepted', parsePositiveInt, DEFAULT_MAX_BYTES)
    .option('--region <code...>', 'ISO country codes for reading national phone numbers')
    .option('--no-classify', 'skip listing classification')
    .action(async (file: string, opts: ExtractCliOptions) => {
      try {
        new URL(opts.url);
      } catch {
        throw new UserError(`--url is not a valid URL: ${opts.url}`);
      }
      let profiles, rates;
      try {
        profiles = opts.profiles ? loadProfiles(opts.profiles) : undefined;
        rates = opts.rates ? loadRates(opts.rates) : undefined;
      } catch (err) {
        if (err instanceof ProfileError) throw new UserError(`profile ${err.message}`);
        throw new UserError((err as Error).message);
      }
      const input = await readInput(file, opts.maxBytes);
      const classify = opts.classify ? classifyListing : undefined;
      let result;
      try {
        result = await extractPage(input, opts.url, {
          profiles,
          profile: opts.profile,
          rates,
          maxBytes: opts.maxBytes,
          regions: opts.region,
          classify,
        });
      } catch (err) {
        if (err instanceof ExtractInputError) throw new UserError(`${file}: ${err.message}`);
        throw err;
      }
      const out = toSpecJson(result);
      if (opts.json) process.stdout.write(`${JSON.stringify(out)}\n`);
      else process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });
}
