// The page's URL, parsed once. Several stages read parts of it (host to choose a profile, path for
// a profile's page rules, site for the record, base for links), and the same string comes in each
// time; parsing it once per page instead of five times is a measurable share of a small page.

let lastText: string | null = null;
let lastParsed: URL | null = null;

/** `new URL(text)`, or null when it does not parse. Callers only read it (it is shared). */
export function parsedUrl(text: string): URL | null {
  if (text !== lastText) {
    lastText = text;
    try {
      lastParsed = new URL(text);
    } catch {
      lastParsed = null;
    }
  }
  return lastParsed;
}

/** Path and query of `url` (what a profile's page rules and the generic page typing test), or `url` itself. */
export function pathOf(url: string): string {
  const u = parsedUrl(url);
  return u ? u.pathname + u.search : url;
}
