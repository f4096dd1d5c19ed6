// Obstacles a crawler cannot pass on its own: login walls, CAPTCHAs, anti-DDoS queues (EndGame-style
// "you are in the queue" pages), and rate-limit pages. Pure: status + headers + HTML in, a reason out.
// Login walls and CAPTCHAs/queues need a person (an analyst solves them once and hands the session
// to the crawler); rate limiting only needs the crawler to back off.
import { viewPage } from './page-text.js';

export const OBSTACLE_KINDS = ['login_wall', 'captcha', 'ddos_queue', 'rate_limited'] as const;
export type ObstacleKind = (typeof OBSTACLE_KINDS)[number];

export interface Obstacle {
  kind: ObstacleKind;
  /** One line for the source's crawl health ("CAPTCHA form on /login"). */
  reason: string;
  needsPerson: boolean;
}

export interface PageForObstacles {
  status: number;
  headers?: Record<string, string | string[] | undefined>;
  html: string;
  url?: string;
}

const CAPTCHA_TEXT =
  /\bcaptcha\b|i am not a robot|i'm not a robot|prove (that )?you are (a )?human|solve (the|this) (puzzle|challenge)|enter the (characters|code|letters|text) (you see|shown|in the image|below)|type the (characters|letters) (you see|shown)/;
const QUEUE_TEXT =
  /ddos protection|anti-?ddos|you are (now )?in (the )?queue|position in (the )?queue|queue position|waiting room|checking your browser|please wait (while|\d+ seconds)|you will be redirected (automatically|shortly)|endgame/;
const RATE_TEXT =
  /too many requests|rate limit(ed)?|slow down|request limit (reached|exceeded)|try again (later|in \d+)/;
const LOGIN_TEXT =
  /(you must|you need to|please) (be )?(log ?in|sign ?in|logged in|signed in|register)|login required|access denied.{0,40}log ?in|authentication required/;
const LOGIN_PATH = /\/(login|log-in|signin|sign-in|auth|account\/login|user\/login|session\/new)\b/i;

export function detectObstacle(page: PageForObstacles): Obstacle | null {
  const v = viewPage(page.html ?? '');
  const small = v.text.length < 3000 && v.linkCount < 25;

  if (page.status === 429)
    return { kind: 'rate_limited', reason: 'HTTP 429 Too Many Requests', needsPerson: false };

  const captchaField =
    v.$(
      'input[name*="captcha" i], img[src*="captcha" i], img[alt*="captcha" i], [class*="captcha" i], [id*="captcha" i]',
    ).length > 0;
  if (captchaField || (small && (CAPTCHA_TEXT.test(v.text) || CAPTCHA_TEXT.test(v.title))))
    return {
      kind: 'captcha',
      reason: captchaField ? 'CAPTCHA form on the page' : 'page asks to solve a CAPTCHA',
      needsPerson: true,
    };

  if (small && (QUEUE_TEXT.test(v.text) || QUEUE_TEXT.test(v.title)))
    return { kind: 'ddos_queue', reason: 'anti-DDoS queue / waiting page', needsPerson: true };

  if (page.status === 503 && small && RATE_TEXT.test(v.text))
    return { kind: 'rate_limited', reason: 'HTTP 503 with a rate-limit message', needsPerson: false };
  if (small && v.text.length < 600 && RATE_TEXT.test(v.text) && v.$('input[type="password" i]').length === 0)
    return { kind: 'rate_limited', reason: 'rate-limit page', needsPerson: false };

  const passwordForm = v.$('form input[type="password" i]').length > 0;
  const onLoginPath = page.url ? LOGIN_PATH.test(new URL(page.url, 'http://x/').pathname) : false;
  if (page.status === 401)
    return { kind: 'login_wall', reason: 'HTTP 401 authentication required', needsPerson: true };
  if (passwordForm && (small || onLoginPath || page.status === 403))
    return { kind: 'login_wall', reason: 'login form instead of content', needsPerson: true };
  // "Please log in" text alone only counts on a thin page without navigation: content pages
  // (a forum footer saying "members only") mention logging in too.
  if (small && v.text.length < 1500 && LOGIN_TEXT.test(v.text) && v.$('a[href]').length < 5)
    return { kind: 'login_wall', reason: 'page says a login is required', needsPerson: true };
  return null;
}
