// An in-memory crawl loop over the crawler's building blocks (the BullMQ worker does the same with
// Redis/PostgreSQL): CrawlRun admission + capturePage, N pages in flight.
import {
  capturePage,
  type CaptureDeps,
  type CapturedPage,
  type CaptureSource,
} from '../../../crawler/capture.js';
import { CrawlRun, type Dropped, type FrontierEntry } from '../../../crawler/crawl-run.js';
import type { Scope } from '../../../crawler/scope.js';

export interface MiniCrawlResult {
  pages: Map<string, CapturedPage>;
  failed: Map<string, string>;
  dropped: Dropped[];
  run: CrawlRun;
}

export async function miniCrawl(
  scope: Scope,
  seeds: string[],
  source: CaptureSource,
  deps: CaptureDeps,
  concurrency = 8,
): Promise<MiniCrawlResult> {
  const run = new CrawlRun(scope);
  const pages = new Map<string, CapturedPage>();
  const failed = new Map<string, string>();
  const first = run.seeds(seeds);
  const dropped: Dropped[] = [...first.dropped];
  const queue: FrontierEntry[] = [...first.admitted];
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      if (queue.length === 0 && active === 0) return resolve();
      while (active < concurrency && queue.length) {
        const e = queue.shift() as FrontierEntry;
        active++;
        capturePage(
          e.url,
          { ...source, inScope: (u) => scope.decide(u, 0).ok, origins: [...scope.siteOrigins] },
          deps,
        )
          .then((p) => {
            pages.set(e.url, p);
            const next = run.completed(e, p.links);
            queue.push(...next.admitted);
            dropped.push(...next.dropped);
          })
          .catch((err: unknown) => {
            failed.set(e.url, (err as Error).message);
            run.failed(e);
          })
          .finally(() => {
            active--;
            try {
              pump();
            } catch (err) {
              reject(err);
            }
          });
      }
    };
    pump();
  });
  return { pages, failed, dropped, run };
}
