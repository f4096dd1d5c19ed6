// `darkwatch range --tor`: serve the range's sites as real v3 onion services on a private Tor
// network. The range passes its sites (each already listening on 127.0.0.1:port) and gets the
// client's SOCKS URL and the onion names back; errors become one-line UserErrors for the CLI.
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { deriveSiteKey } from '../onion.js';
import { startPrivateTorNetwork, type PrivateTorNetwork } from './network.js';
import { onionIdentityFromSeed } from './onion-keys.js';

export interface RangeTorSite {
  /** Any unique label (a mirror is its own site with its own seed, e.g. `market#mirror1`). */
  name: string;
  /** 32-byte ed25519 seed (the range's `deriveSiteKey(seed, name).secretSeed`). */
  secretSeed: Buffer;
  /** The site's local HTTP port on 127.0.0.1. */
  port: number;
  /** The address the range announces for this site; checked against the seed before start. */
  onion?: string;
}

export interface RangeTorOptions {
  sites: RangeTorSite[];
  /** Default: `.darkwatch/tor` under the current directory. */
  dataDir?: string;
  log?: (message: string) => void;
  timeoutMs?: number;
}

export interface RangeTor {
  /** `socks5h://127.0.0.1:P` of the Tor client (accepts .onion destinations only). */
  socksUrl: string;
  /** Site name → `<56 chars>.onion`. */
  onions: Record<string, string>;
  controlPort: number;
  controlCookiePath: string;
  network: PrivateTorNetwork;
  stop(): Promise<void>;
}

export const DEFAULT_RANGE_TOR_DIR = path.join('.darkwatch', 'tor');

/**
 * The Tor services for a running range: every site's primary onion and each mirror, with the
 * key the range derives for it (`deriveSiteKey(seed, name)` / `name#mirrorN`) and the local port
 * serving it. Each onion is checked against its key, so a change in the range's key scheme is a
 * clear error rather than Tor serving different addresses than the range printed.
 */
export function rangeTorSites(
  seed: number,
  sites: ReadonlyArray<{ name: string; onion: string; mirrors: readonly string[] }>,
  portOf: (onion: string) => number | undefined,
): RangeTorSite[] {
  return sites.flatMap((site) =>
    [site.onion, ...site.mirrors].map((onion, i) => {
      const name = i === 0 ? site.name : `${site.name}#mirror${i}`;
      const key = deriveSiteKey(seed, name);
      if (key.onion !== onion.toLowerCase()) {
        throw new UserError(
          `range --tor: ${name} is announced as ${onion} but the range key for it gives ${key.onion}`,
        );
      }
      const port = portOf(onion);
      if (port === undefined) throw new UserError(`range --tor: no local server for ${onion} (${name})`);
      return { name, secretSeed: key.secretSeed, port, onion };
    }),
  );
}

export async function startRangeTor(opts: RangeTorOptions): Promise<RangeTor> {
  const dataDir = path.resolve(opts.dataDir ?? DEFAULT_RANGE_TOR_DIR);
  const sites = Array.isArray(opts.sites) ? opts.sites : [];
  if (sites.length === 0) throw new UserError('range --tor: no sites to serve');
  const labels = new Set<string>();
  for (const site of sites) {
    if (typeof site?.name !== 'string' || site.name.length === 0 || site.name.length > 200) {
      throw new UserError(`range --tor: bad site name ${JSON.stringify(site?.name)}`);
    }
    if (labels.has(site.name)) throw new UserError(`range --tor: duplicate site name ${site.name}`);
    labels.add(site.name);
    if (site.onion !== undefined) {
      let derived: string;
      try {
        derived = `${onionIdentityFromSeed(site.secretSeed).address}.onion`;
      } catch (err) {
        throw new UserError(
          `range --tor: site ${site.name}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      if (derived !== site.onion.toLowerCase()) {
        throw new UserError(
          `range --tor: site ${site.name} announces ${site.onion} but its key gives ${derived}`,
        );
      }
    }
  }
  // Site names may hold any character (`#` in mirror names); tor's directories get neutral ones.
  const serviceName = (i: number) => `site${i}`;
  let network: PrivateTorNetwork;
  try {
    network = await startPrivateTorNetwork({
      dataDir,
      services: sites.map((s, i) => ({ name: serviceName(i), secretSeed: s.secretSeed, targetPort: s.port })),
      log: opts.log,
      timeoutMs: opts.timeoutMs,
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const [first, ...rest] = message.split('\n');
    if (rest.length > 0) opts.log?.(rest.join('\n')); // the log tails, for the person debugging
    throw new UserError(`range --tor: ${first}`);
  }
  const onions: Record<string, string> = {};
  sites.forEach((s, i) => (onions[s.name] = network.onions[serviceName(i)]!));
  return {
    socksUrl: network.socksUrl,
    onions,
    controlPort: network.controlPort,
    controlCookiePath: network.controlCookiePath,
    network,
    stop: () => network.stop(),
  };
}
