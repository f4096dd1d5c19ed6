// `darkwatch range --tor`: serve the range's sites as real v3 onion services on a private Tor
// network. The range passes its sites (each already listening on 127.0.0.1:port) and gets the
// client's SOCKS URL and the onion names back; errors become one-line UserErrors for the CLI.
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { startPrivateTorNetwork, type PrivateTorNetwork } from './network.js';

export interface RangeTorSite {
  /** Site name (a mirror is its own site with its own seed). Letters, digits, `-`, `_`. */
  name: string;
  /** 32-byte ed25519 seed; the range derives it from its seed so onions are stable. */
  secretSeed: Buffer;
  /** The site's local HTTP port on 127.0.0.1. */
  port: number;
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

export async function startRangeTor(opts: RangeTorOptions): Promise<RangeTor> {
  const dataDir = path.resolve(opts.dataDir ?? DEFAULT_RANGE_TOR_DIR);
  let network: PrivateTorNetwork;
  try {
    network = await startPrivateTorNetwork({
      dataDir,
      services: opts.sites.map((s) => ({ name: s.name, secretSeed: s.secretSeed, targetPort: s.port })),
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
  return {
    socksUrl: network.socksUrl,
    onions: network.onions,
    controlPort: network.controlPort,
    controlCookiePath: network.controlCookiePath,
    network,
    stop: () => network.stop(),
  };
}
