// Builds the request handler of each range site: its template, wrapped in the obstacles.
import type { SiteHandler } from '../http/site-server.js';
import { withObstacles, type ObstacleSettings } from '../obstacles.js';
import type { SiteContext } from './common.js';
import { forumHandler } from './forum.js';
import { marketJsHandler } from './market-js.js';
import { marketTablesHandler } from './market-tables.js';
import { pasteHandler } from './paste.js';
import { shopHandler } from './shop.js';

export type { SiteContext } from './common.js';

export function templateHandler(ctx: SiteContext): SiteHandler {
  switch (ctx.def.template) {
    case 'market-tables':
      return marketTablesHandler(ctx);
    case 'market-js':
      return marketJsHandler(ctx);
    case 'forum':
      return forumHandler(ctx);
    case 'shop':
      return shopHandler(ctx);
    case 'paste':
      return pasteHandler(ctx);
  }
}

export function buildSiteHandler(
  ctx: SiteContext,
  obstacles: Omit<ObstacleSettings, 'site' | 'loginWall' | 'captchaQueue'>,
): SiteHandler {
  const kind = ctx.def.kind;
  return withObstacles(templateHandler(ctx), {
    ...obstacles,
    site: ctx.def.name,
    // Markets and the forum are members-only; markets also sit behind an anti-DDoS queue.
    loginWall: kind === 'market' || kind === 'forum',
    captchaQueue: kind === 'market',
  });
}
