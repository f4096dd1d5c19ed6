// Admin HTTP endpoint of a running range (loopback only): gateway counters, the clock, sites
// and the ground truth. Tests and trainers use it to prove what went through the gateway and to
// move the range to the next epoch between two crawls.
import type { GatewayCounters } from './socks-gateway.js';
import {
  json,
  startSiteServer,
  type RunningSiteServer,
  type RangeRequest,
  type RangeResponse,
} from './http/site-server.js';

export interface AdminBackend {
  counters(): GatewayCounters;
  resetCounters(): void;
  epoch(): number;
  setEpoch(epoch: number): number;
  sites(): unknown;
  truth(): unknown;
  /** Change injected latency (median 0 = off) and failure rate while the range runs. */
  setLatency(medianMs: number, sigma: number | null): void;
  setFailureRate(rate: number): void;
}

export function adminHandler(backend: AdminBackend) {
  return (req: RangeRequest): RangeResponse => {
    const route = `${req.method} ${req.path}`;
    switch (route) {
      case 'GET /':
        return json({
          endpoints: [
            'GET /counters',
            'POST /counters/reset',
            'GET /clock',
            'POST /clock/advance?by=1',
            'POST /clock/set?epoch=N',
            'GET /sites',
            'GET /truth',
            'POST /gateway/latency?medianMs=800&sigma=0.6',
            'POST /gateway/failures?rate=0.1',
          ],
        });
      case 'GET /counters':
        return json(backend.counters());
      case 'POST /counters/reset':
        backend.resetCounters();
        return json({ ok: true });
      case 'GET /clock':
        return json({ epoch: backend.epoch() });
      case 'POST /clock/advance': {
        const by = Number(req.query.get('by') ?? '1');
        if (!Number.isInteger(by) || by < 0 || by > 1000)
          return json({ error: 'by must be an integer 0..1000' }, 400);
        return json({ epoch: backend.setEpoch(backend.epoch() + by) });
      }
      case 'POST /clock/set': {
        const epoch = Number(req.query.get('epoch'));
        if (!Number.isInteger(epoch) || epoch < 0 || epoch > 10_000) {
          return json({ error: 'epoch must be an integer 0..10000' }, 400);
        }
        return json({ epoch: backend.setEpoch(epoch) });
      }
      case 'GET /sites':
        return json(backend.sites());
      case 'GET /truth':
        return json(backend.truth());
      case 'POST /gateway/latency': {
        const median = Number(req.query.get('medianMs'));
        const sigmaRaw = req.query.get('sigma');
        const sigma = sigmaRaw === null ? null : Number(sigmaRaw);
        if (!Number.isFinite(median) || median < 0 || median > 60_000)
          return json({ error: 'medianMs must be 0..60000' }, 400);
        if (sigma !== null && (!Number.isFinite(sigma) || sigma < 0 || sigma > 3))
          return json({ error: 'sigma must be 0..3' }, 400);
        backend.setLatency(median, sigma);
        return json({ medianMs: median, sigma });
      }
      case 'POST /gateway/failures': {
        const rate = Number(req.query.get('rate'));
        if (!Number.isFinite(rate) || rate < 0 || rate > 1) return json({ error: 'rate must be 0..1' }, 400);
        backend.setFailureRate(rate);
        return json({ rate });
      }
      default:
        return json({ error: 'not found' }, 404);
    }
  };
}

export async function startAdminServer(
  backend: AdminBackend,
  host = '127.0.0.1',
): Promise<RunningSiteServer> {
  return startSiteServer(adminHandler(backend), host);
}
