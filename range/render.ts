// The training range's pages rendered by its own templates, without a server or a gateway: what
// the extraction benches and differential tests run on. Every page a crawl of the server-rendered
// sites would store: listing pages, site front pages (indexes), vendor profiles and forum threads.
// Nocturne (the JS market) is left out — its listing pages are shells until a browser runs them.
import { generateWorld } from './generate/world.js';
import { templateHandler } from './sites/index.js';
import { SITE_DEFS } from './sites/registry.js';
import { buildTruth } from './truth.js';

export interface RenderedPage {
  url: string;
  html: string;
}

export async function renderRangePages(seed = 11, size = 150): Promise<RenderedPage[]> {
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
  const pages: RenderedPage[] = [];
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
