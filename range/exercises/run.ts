// Running an exercise: the range for the scenario's seed, the pipeline workers, the scenario's
// sites as sources of the exercise's own workspace, and one crawl per scenario epoch (the range
// clock moves between them, so takedowns and relistings happen between crawls).
import type { Logger } from 'pino';
import { DEFAULT_SIZE, startRange, type RunningRange } from '../range.js';
import { generateWorld } from '../generate/world.js';
import { buildTruth, type RangeTruth } from '../truth.js';
import { addSource, getSource, type SourceRecord } from '../../store/sources.js';
import { startCrawlRun } from '../../workers/crawl.js';
import { runState, runSummary, type RunSummary } from '../../workers/progress.js';
import { startPipeline, type RunningPipeline } from '../../workers/runner.js';
import type { PageExtractor } from '../../workers/extract.js';
import type { Scenario } from './scenario.js';
import { markStarted, requireExercise, type ExerciseRow } from './store.js';
import type { Db } from '../../store/db.js';

/** The ground truth at each epoch the scenario crawls, in order. */
export function scenarioTruths(scenario: Scenario): RangeTruth[] {
  const world = generateWorld({ seed: scenario.range.seed, size: scenario.range.size ?? DEFAULT_SIZE });
  return scenario.range.epochs.map((e) => buildTruth(world, e));
}

export interface ExerciseRunOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Redis key prefix; the pipeline adds the database's own namespace. */
  prefix: string;
  chromiumPath: string;
  concurrency?: number;
  extract: PageExtractor;
  extractorVersion: string;
  log: Logger;
  progress?: (line: string) => void;
  /** Upper bound for one epoch's crawl. */
  epochTimeoutMs?: number;
}

export interface ExerciseRun {
  exercise: ExerciseRow;
  range: RunningRange;
  pipeline: RunningPipeline;
  sources: SourceRecord[];
  /** One summary per crawled (epoch, source). */
  crawls: Array<{ epoch: number; source: string; summary: RunSummary }>;
  stop(): Promise<void>;
}

async function ensureSources(db: Db, ex: ExerciseRow, range: RunningRange): Promise<SourceRecord[]> {
  const wanted = ex.config.scenario.sites;
  const out: SourceRecord[] = [];
  for (const site of range.sites.filter((s) => wanted.includes(s.name))) {
    out.push(
      (await getSource(db, ex.workspaceId, site.name)) ??
        (await addSource(db, ex.workspaceId, {
          name: site.name,
          kind: site.kind,
          urls: [site.url, ...site.mirrors.map((m) => `http://${m}/`)],
          fetchMode: site.template === 'market-js' ? 'auto' : 'http',
          policy: {
            requestsPerMinute: 6000,
            concurrency: 4,
            pageBudget: 3000,
            maxDepth: 8,
            javascript: site.template === 'market-js',
          },
        })),
    );
  }
  return out;
}

/** Start the range and workers, crawl every scenario epoch, and resolve once all is matched. */
export async function runExercise(
  db: Db,
  exerciseId: number,
  opts: ExerciseRunOptions,
): Promise<ExerciseRun> {
  const say = opts.progress ?? (() => undefined);
  const ex = await requireExercise(db, exerciseId);
  const sc = ex.config.scenario;
  const range = await startRange({
    seed: sc.range.seed,
    size: sc.range.size ?? DEFAULT_SIZE,
    obstacles: sc.range.obstacles as RunningRange['obstacles'] | undefined,
    latencyMs: sc.range.latencyMs ?? 0,
    epoch: sc.range.epochs[0],
  });
  let pipeline: RunningPipeline | null = null;
  const stop = async () => {
    await pipeline?.close().catch(() => undefined);
    await range.stop().catch(() => undefined);
  };
  try {
    pipeline = await startPipeline({
      databaseUrl: opts.databaseUrl,
      redisUrl: opts.redisUrl,
      prefix: opts.prefix,
      proxyUrl: range.socksUrl,
      chromiumPath: opts.chromiumPath,
      concurrency: opts.concurrency ?? 6,
      extract: opts.extract,
      extractorVersion: opts.extractorVersion,
      log: opts.log,
    });
    const sources = await ensureSources(db, ex, range);
    await markStarted(db, ex);
    const crawls: ExerciseRun['crawls'] = [];
    for (const epoch of sc.range.epochs) {
      range.clock.set(epoch);
      say(`exercise ${ex.id}: crawling ${sources.map((s) => s.name).join(', ')} at epoch ${epoch}…`);
      const runs = [];
      for (const source of sources)
        runs.push({
          source,
          run: await startCrawlRun(
            { db, queues: pipeline.queues, frontier: pipeline.frontier },
            source,
            'exercise',
          ),
        });
      const deadline = Date.now() + (opts.epochTimeoutMs ?? 15 * 60_000);
      const pending = new Set(runs.map((r) => r.run.id));
      while (pending.size) {
        for (const id of [...pending])
          if ((await runState(db, pipeline.queues, id)).settled) pending.delete(id);
        if (!pending.size) break;
        if (Date.now() > deadline)
          throw new Error(`exercise ${ex.id}: crawl at epoch ${epoch} did not finish in time`);
        await new Promise((r) => setTimeout(r, 300));
      }
      for (const r of runs)
        crawls.push({ epoch, source: r.source.name, summary: await runSummary(db, r.run.id) });
    }
    return { exercise: (await requireExercise(db, exerciseId))!, range, pipeline, sources, crawls, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
