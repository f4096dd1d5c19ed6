// `auto` fetch mode: decide from an http-mode response whether the page only works with JavaScript
// and must be refetched in the browser. Pure. Conservative on purpose: a browser fetch costs ~10×
// an http fetch, so escalate on clear signals only.
import { viewPage } from './page-text.js';

export interface EscalationInput {
  status: number;
  contentType: string | null;
  html: string;
}

export interface EscalationDecision {
  escalate: boolean;
  reason: string | null;
}

const NOSCRIPT_WALL =
  /(enable|turn on|activate|requires?|needs?|without) (your )?javascript|javascript (is )?(required|disabled|must be enabled)/;
const SHELL_IDS = ['app', 'root', '__next', '__nuxt', 'main-app', 'application'];
const JS_MARKERS = [
  'window.__INITIAL_STATE__',
  'window.__NUXT__',
  '__NEXT_DATA__',
  'ng-version',
  'data-reactroot',
  'v-cloak',
  'hx-get',
  'data-js-required',
];

export function needsJavaScript(input: EscalationInput): EscalationDecision {
  const no = { escalate: false, reason: null };
  if (input.status >= 400 || (input.contentType && !/html/.test(input.contentType))) return no;
  const v = viewPage(input.html);
  const noscript = v.$('noscript').text().replace(/\s+/g, ' ').toLowerCase();
  if (NOSCRIPT_WALL.test(noscript) && v.text.length < 2000)
    return { escalate: true, reason: '<noscript> asks for JavaScript and the page has little content' };
  for (const id of SHELL_IDS) {
    const el = v.$(`#${id}`);
    if (
      el.length &&
      el.text().trim() === '' &&
      el.children().length === 0 &&
      (v.scriptSrcCount > 0 || v.inlineScriptBytes > 0)
    )
      return { escalate: true, reason: `empty #${id} application shell with scripts` };
  }
  const hasScripts = v.scriptSrcCount > 0 || v.inlineScriptBytes > 500;
  if (hasScripts && v.text.length < 200 && v.linkCount < 3)
    return { escalate: true, reason: 'nearly empty body with script bundles' };
  const markers = JS_MARKERS.filter((m) => input.html.includes(m));
  if (markers.length && v.linkCount < 5)
    return { escalate: true, reason: `JavaScript-rendered market (${markers.join(', ')})` };
  return no;
}
