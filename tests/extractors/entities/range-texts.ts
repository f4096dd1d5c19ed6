// The texts extractPage hands to extractEntities for every page of the training range (seed 11),
// rendered by the range's own templates without a server — the inputs the differential test and
// bench/entities.ts run both implementations on. Mirrors bench/extract.ts rangePages() and the
// entityText() of extractors/page/extract.ts.
import { entityText, extractPage } from '../../../extractors/page/extract.js';
import { loadPage } from '../../../extractors/page/load.js';
import { generateWorld } from '../../../range/generate/world.js';
import { templateHandler } from '../../../range/sites/index.js';
import { SITE_DEFS } from '../../../range/sites/registry.js';
import { buildTruth } from '../../../range/truth.js';

export interface RangePage {
  url: string;
  html: string;
}

export async function rangePages(seed = 11, size = 150): Promise<RangePage[]> {
  const world = generateWorld({ seed, size });
  const truth = buildTruth(world, 0);
  const handlers = new Map(
    SITE_DEFS.map((def) => {
      const a = world.addresses.get(def.name)!;
      return [
        a.onion,
        templateHandler({
          def,
          world,
          epoch: () => 0,
          onion: a.onion,
          mirrors: a.mirrors,
          obstacles: new Set(),
        }),
      ];
    }),
  );
  const urls = [
    ...truth.listings.filter((l) => l.site !== 'nocturne').map((l) => l.url),
    ...truth.sites.filter((s) => s.name !== 'nocturne').map((s) => s.url),
    ...truth.vendors.flatMap((v) => Object.values(v.profileUrls)),
    ...new Set(truth.posts.map((p) => p.url)),
  ];
  const pages: RangePage[] = [];
  for (const url of urls) {
    const u = new URL(url);
    const r = await handlers.get(u.hostname)!({
      method: 'GET',
      path: u.pathname,
      query: u.searchParams,
      headers: {},
      host: u.hostname,
      cookies: {},
      body: '',
    });
    if (r.status === 200) pages.push({ url, html: String(r.body) });
  }
  return pages;
}

export interface EntityInput {
  url: string;
  text: string;
  /** The region hints extractPage passes: the listings' ships-from countries. */
  regions: string[];
}

/** Every range page as (entity text, region hints), as extractPage would scan it. */
export async function rangeEntityInputs(seed = 11, size = 150): Promise<EntityInput[]> {
  const out: EntityInput[] = [];
  for (const p of await rangePages(seed, size)) {
    const { $ } = loadPage(p.html);
    const extraction = await extractPage(p.html, p.url);
    const regions = [
      ...new Set(
        extraction.listings.map((l) => l.shipsFrom).filter((c): c is string => !!c && /^[A-Z]{2}$/.test(c)),
      ),
    ];
    out.push({ url: p.url, text: entityText($), regions });
  }
  return out;
}
