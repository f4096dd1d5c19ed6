// The texts extractPage hands to extractEntities for every page of the training range (seed 11),
// rendered by the range's own templates without a server — the inputs the differential test and
// bench/entities.ts run both implementations on: range/render.ts's pages (as bench/extract.ts) and
// the entityText() of extractors/page/extract.ts.
import { entityText, extractPage } from '../../../extractors/page/extract.js';
import { loadPage } from '../../../extractors/page/load.js';
import { renderRangePages } from '../../../range/render.js';

export const rangePages = renderRangePages;

export interface EntityInput {
  url: string;
  /** The page itself (benchmarks parse it again before timing, as the pipeline does). */
  html: string;
  pageType: string;
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
    out.push({ url: p.url, html: p.html, pageType: extraction.pageType, text: entityText($), regions });
  }
  return out;
}
