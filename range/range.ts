// startRange: the whole training range in one call — site servers on loopback, the SOCKS5
// gateway that maps the sites' onion names to them, the clock and the admin endpoint.
import type { SourceKind } from '../core/types.js';
import { startAdminServer } from './admin.js';
import { RangeClock } from './clock.js';
import { startSiteServer, type RunningSiteServer } from './http/site-server.js';
import { generateWorld, type World } from './generate/world.js';
import { OBSTACLES, type ObstacleName } from './obstacles.js';
import { buildSiteHandler } from './sites/index.js';
import { SITE_DEFS, type SiteTemplate } from './sites/registry.js';
import { SocksGateway, type GatewayCounters, type LatencyOptions } from './socks-gateway.js';
import { buildTruth, type RangeTruth } from './truth.js';

export { OBSTACLES, type ObstacleName } from './obstacles.js';

/** Default number of listings (markets + shop). */
export const DEFAULT_SIZE = 600;

export interface RangeOptions {
  seed?: number;
  /** Gateway port; 0 (default) picks a free one. */
  socksPort?: number;
  /** Median injected latency in ms (connect and first byte); 0 = off (default). */
  latencyMs?: number;
  latencySigma?: number;
  /** Probability that a gateway CONNECT fails like a Tor circuit timeout. */
  failureRate?: number;
  obstacles?: readonly ObstacleName[];
  epoch?: number;
  /** Approximate number of listings across the markets and the shop (default 600). */
  size?: number;
  /** `ratelimit` obstacle: allowed requests per second per client key, and burst. */
  rateLimit?: { perSecond: number; burst: number };
  /** `errors` obstacle: share of requests answered 5xx (default 0.05) and stalled (0.02). */
  errorRate?: number;
  stallRate?: number;
  /** How long a stalled response is held (default 20000 ms). */
  stallMs?: number;
  /** Require these SOCKS credentials (default: any username/password or none, like Tor). */
  socksCredentials?: Record<string, string> | null;
}

export interface RangeSiteInfo {
  name: string;
  kind: SourceKind;
  template: SiteTemplate;
  onion: string;
  mirrors: string[];
  /** `http://<onion>/` */
  url: string;
  cloneOf: string | null;
}

export interface RunningRange {
  seed: number;
  sites: RangeSiteInfo[];
  /** `socks5h://127.0.0.1:PORT` */
  socksUrl: string;
  socksPort: number;
  /** `http://127.0.0.1:PORT` of the admin endpoint. */
  adminUrl: string;
  gateway: SocksGateway;
  counters(): GatewayCounters;
  clock: RangeClock;
  obstacles: readonly ObstacleName[];
  /** The generated content (pure data) the sites render. */
  world: World;
  /**
   * Every onion address (primary and mirrors) with the loopback HTTP server behind it — what a
   * real onion service's `HiddenServicePort 80 127.0.0.1:<port>` points at (see range/tor/).
   */
  targets: Array<{ site: string; onion: string; host: string; port: number }>;
  /** Ground truth at the current epoch (or the given one). */
  truth(epoch?: number): RangeTruth;
  stop(): Promise<void>;
}

export function parseObstacles(spec: string | undefined): ObstacleName[] {
  if (!spec || spec === 'none') return [];
  if (spec === 'all') return [...OBSTACLES];
  const out: ObstacleName[] = [];
  for (const raw of spec.split(',')) {
    const name = raw.trim();
    if (!name) continue;
    if (!(OBSTACLES as readonly string[]).includes(name)) {
      throw new Error(`unknown obstacle "${name}" (known: ${OBSTACLES.join(', ')}, all, none)`);
    }
    if (!out.includes(name as ObstacleName)) out.push(name as ObstacleName);
  }
  return out;
}

export async function startRange(options: RangeOptions = {}): Promise<RunningRange> {
  const seed = options.seed ?? 1;
  const clock = new RangeClock(options.epoch ?? 0);
  const obstacles = options.obstacles ?? [];
  const latency: LatencyOptions | null =
    options.latencyMs && options.latencyMs > 0
      ? { medianMs: options.latencyMs, sigma: options.latencySigma }
      : null;
  const gateway = new SocksGateway({
    port: options.socksPort ?? 0,
    latency,
    failureRate: options.failureRate ?? 0,
    seed,
    credentials: options.socksCredentials ?? null,
  });
  const world = generateWorld({ seed, size: options.size ?? DEFAULT_SIZE });
  const enabled = new Set(obstacles);
  const servers: RunningSiteServer[] = [];
  const sites: RangeSiteInfo[] = [];
  const targets: RunningRange['targets'] = [];
  try {
    for (const def of SITE_DEFS) {
      const addrs = world.addresses.get(def.name)!;
      const handler = buildSiteHandler(
        {
          def,
          world,
          epoch: () => clock.epoch,
          onion: addrs.onion,
          mirrors: addrs.mirrors,
          obstacles: enabled,
        },
        {
          seed,
          enabled,
          rateLimit: options.rateLimit ?? { perSecond: 5, burst: 10 },
          errorRate: options.errorRate ?? 0.05,
          stallRate: options.stallRate ?? 0.02,
          stallMs: options.stallMs ?? 20_000,
        },
      );
      for (const onion of [addrs.onion, ...addrs.mirrors]) {
        const server = await startSiteServer(handler);
        servers.push(server);
        gateway.setRoute(onion, { host: '127.0.0.1', port: server.port });
        targets.push({ site: def.name, onion, host: '127.0.0.1', port: server.port });
      }
      sites.push({
        name: def.name,
        kind: def.kind,
        template: def.template,
        onion: addrs.onion,
        mirrors: addrs.mirrors,
        url: `http://${addrs.onion}/`,
        cloneOf: def.cloneOf ?? null,
      });
    }
    await gateway.listen();
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    await gateway.close().catch(() => undefined);
    throw err;
  }
  const admin = await startAdminServer({
    counters: () => gateway.getCounters(),
    resetCounters: () => gateway.resetCounters(),
    epoch: () => clock.epoch,
    setEpoch: (e) => clock.set(e),
    sites: () => sites,
    truth: () => buildTruth(world, clock.epoch),
    setLatency: (medianMs, sigma) =>
      gateway.setLatency(medianMs > 0 ? { medianMs, sigma: sigma ?? undefined } : null),
    setFailureRate: (rate) => gateway.setFailureRate(rate),
  });
  let stopped = false;
  return {
    seed,
    sites,
    socksUrl: gateway.url,
    socksPort: gateway.port,
    adminUrl: `http://127.0.0.1:${admin.port}`,
    gateway,
    counters: () => gateway.getCounters(),
    clock,
    obstacles,
    world,
    targets,
    truth: (epoch?: number) => buildTruth(world, epoch ?? clock.epoch),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await gateway.close();
      await Promise.all([admin.close(), ...servers.map((s) => s.close())]);
    },
  };
}
