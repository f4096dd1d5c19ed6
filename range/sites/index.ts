// Builds the request handler of each range site from its template.
import { esc, html, notFound, type SiteHandler } from '../http/site-server.js';
import type { SiteDef } from './registry.js';

export interface SiteContext {
  def: SiteDef;
  epoch(): number;
}

export function buildSiteHandler(ctx: SiteContext): SiteHandler {
  return (req) => {
    if (req.path !== '/') return notFound();
    return html(
      `<!doctype html><html><head><title>${esc(ctx.def.title)}</title></head><body><h1>${esc(ctx.def.title)}</h1>` +
        `<p>kind: ${esc(ctx.def.kind)}, epoch ${ctx.epoch()}</p></body></html>`,
    );
  };
}
