// Site profiles: selectors per site family, as data (extractors/profiles/*.yaml|json) so an analyst
// can add one without writing code. A profile recognises its site (host names, marker selectors),
// tells page types apart (URL pattern, marker selector) and says where each field is; a field it
// leaves out is null (a profile is authoritative for its site, so its output is predictable). Pages
// none of its rules match go to the generic extractor.
// URL patterns are RE2 (re2js): a profile is data and must not be able to hang the extractor.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Document, Element, ParentNode } from 'domhandler';
import { RE2JS } from 're2js';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PAGE_TYPES } from '../../core/types.js';
import { fieldsFromLines, resolveUrl } from './generic.js';
import type { RawListing, RawPage, RawPost } from './raw.js';
import { emptyListing } from './raw.js';
import { bodyOf, documentOf, selectFirstIn, selectIn } from './select.js';
import { parsedUrl, pathOf } from './url.js';
import { blockText, inlineText, rawText, trimSpace } from './text.js';

const Field = z.union([
  z.string().min(1),
  z
    .object({
      selector: z.string().min(1).optional(),
      /** Attribute to read instead of text (href, datetime, content…). */
      attr: z.string().min(1).optional(),
      /** Read every match and join them ("Guns > Pistols"). */
      join: z.string().optional(),
      /** Read every match as a list item (shipsTo). */
      all: z.boolean().optional(),
      /** RE2 pattern; group 1 (or the whole match) is the value. */
      pattern: z.string().min(1).optional(),
      /** Take the value of a label/value pair in the scope ("Ships from"). */
      label: z.string().min(1).optional(),
      /** Keep the text exactly as written (pastes, code): no whitespace folding. */
      preserve: z.boolean().optional(),
    })
    .strict()
    .refine((f) => f.selector !== undefined || f.label !== undefined, 'a field needs a selector or a label'),
]);
export type FieldSpec = z.infer<typeof Field>;

const ListingFields = z
  .object({
    title: Field.optional(),
    description: Field.optional(),
    price: Field.optional(),
    currency: Field.optional(),
    vendor: Field.optional(),
    vendorUrl: Field.optional(),
    category: Field.optional(),
    shipsFrom: Field.optional(),
    shipsTo: Field.optional(),
    url: Field.optional(),
  })
  .strict();

const PostFields = z
  .object({
    author: Field.optional(),
    postedAt: Field.optional(),
    body: Field.optional(),
  })
  .strict();

const PageRule = z
  .object({
    type: z.enum(PAGE_TYPES),
    /** RE2 pattern tested against the URL path + query. */
    url: z.string().optional(),
    /** A selector that must match for this rule to apply. */
    selector: z.string().optional(),
    /** Region holding a single listing (default: body). */
    scope: z.string().optional(),
    /** Repeated elements: listing cards or forum posts. */
    items: z.string().optional(),
    listing: ListingFields.optional(),
    post: PostFields.optional(),
    threadTitle: Field.optional(),
    vendorName: Field.optional(),
  })
  .strict();

export const ProfileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _'),
    description: z.string().optional(),
    match: z
      .object({
        hosts: z.array(z.string()).optional(),
        selectors: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
    pages: z.array(PageRule).min(1),
  })
  .strict();
export type Profile = z.infer<typeof ProfileSchema>;

// Compiling RE2 is costly next to matching; profiles are few and fixed, so compile each pattern once.
const compiled = new Map<string, RE2JS>();
function re2(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    compiled.set(pattern, re);
  }
  return re;
}

export class ProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileError';
  }
}

/** Validate a parsed profile; errors name the file and the path of the bad field. */
export function parseProfile(data: unknown, source: string): Profile {
  const r = ProfileSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ProfileError(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  for (const [i, page] of r.data.pages.entries()) {
    if (page.url) {
      try {
        RE2JS.compile(page.url);
      } catch (err) {
        throw new ProfileError(`${source}: pages.${i}.url: invalid RE2 pattern: ${(err as Error).message}`);
      }
    }
  }
  return r.data;
}

export const DEFAULT_PROFILE_DIR = new URL('../profiles/', import.meta.url);

/** Every profile in a directory (.yaml, .yml, .json). */
export function loadProfiles(dir: string | URL = DEFAULT_PROFILE_DIR): Profile[] {
  const path = dir instanceof URL ? dir.pathname : dir;
  let files: string[];
  try {
    files = readdirSync(path).sort();
  } catch {
    return [];
  }
  const out: Profile[] = [];
  for (const f of files) {
    const ext = extname(f).toLowerCase();
    if (!['.yaml', '.yml', '.json'].includes(ext)) continue;
    const text = readFileSync(join(path, f), 'utf8');
    let data: unknown;
    try {
      data = ext === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      throw new ProfileError(
        `${f}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
      );
    }
    out.push(parseProfile(data, f));
  }
  return out;
}

function hostOf(url: string): string {
  return parsedUrl(url)?.hostname.toLowerCase() ?? '';
}

function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return host === p.slice(2) || host.endsWith(p.slice(1));
  return host === p;
}

function scopeOf($: CheerioAPI, root?: AnyNode): ParentNode {
  return (root as ParentNode | undefined) ?? documentOf($);
}

function safeSelect($: CheerioAPI, selector: string, root?: AnyNode): Element[] {
  try {
    return selectIn(selector, scopeOf($, root));
  } catch {
    return []; // an invalid selector in a profile matches nothing rather than failing the page
  }
}

/** The first match only (markers, single-valued fields). */
function safeSelectFirst($: CheerioAPI, selector: string, root?: AnyNode): Element | null {
  try {
    return selectFirstIn(selector, scopeOf($, root));
  } catch {
    return null;
  }
}

/** The profile for a page: the one named, else the first whose hosts or marker selectors match. */
export function chooseProfile(
  $: CheerioAPI,
  url: string,
  profiles: Profile[],
  name?: string | null,
): Profile | null {
  if (name) return profiles.find((p) => p.name === name) ?? null;
  const host = hostOf(url);
  for (const p of profiles) {
    if (!p.match) continue;
    if (p.match.hosts?.some((h) => hostMatches(host, h))) return p;
    if (p.match.selectors?.some((s) => safeSelectFirst($, s) !== null)) return p;
  }
  return null;
}

/**
 * A scope's text as lines, for label/value fields, laid out on first use: most fields never need
 * it. (An object rather than a closure: under tsx every closure made per call is also named.)
 */
class ScopeLines {
  private lines: string[] | null = null;
  constructor(private readonly scope: AnyNode) {}
  get(): string[] {
    return (this.lines ??= blockText(this.scope).split('\n'));
  }
}

function readField(
  $: CheerioAPI,
  root: AnyNode,
  spec: FieldSpec | undefined,
  base: string,
  lines: ScopeLines,
): string | string[] | null {
  if (spec === undefined) return null;
  if (typeof spec === 'string') {
    // The common case — a bare selector, one value — without the arrays the general path builds.
    const el = safeSelectFirst($, spec, root);
    if (!el) return null;
    const v = trimSpace(blockText(el));
    return v.trim() !== '' ? v : null;
  }
  const f = spec;
  let values: string[];
  if (f.label) {
    const fields = fieldsFromLinesByLabel(lines.get(), f.label);
    values = fields ? [fields] : [];
  } else {
    const many = f.join !== undefined || f.all === true;
    const first = many ? null : safeSelectFirst($, f.selector!, root);
    const els = many ? safeSelect($, f.selector!, root) : first ? [first] : [];
    values = els.map((el) => {
      if (f.attr) {
        const v = el.attribs[f.attr] ?? '';
        return f.attr === 'href' || f.attr === 'src' ? (resolveUrl(v, base) ?? '') : v.trim();
      }
      if (f.preserve) return rawText(el);
      return many ? inlineText(el) : blockText(el);
    });
  }
  if (f.pattern) {
    const re = re2(f.pattern);
    values = values
      .map((v) => {
        const m = re.matcher(v);
        if (!m.find()) return '';
        return m.groupCount() >= 1 ? (m.group(1) ?? '') : (m.group() ?? '');
      })
      .filter(Boolean);
  }
  values = values.map((v) => (f.preserve ? v : trimSpace(v))).filter((v) => v.trim() !== '');
  if (values.length === 0) return null;
  if (f.all) return values;
  if (f.join !== undefined) return values.join(f.join);
  return values[0]!;
}

/** A label/value pair whose label is exactly `label` (case and script insensitive) or whose field is `label`. */
function fieldsFromLinesByLabel(lines: string[], label: string): string | null {
  const fields = fieldsFromLines(lines) as Record<string, string | undefined>;
  if (fields[label] !== undefined) return fields[label]!;
  const want = label.toLowerCase();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^([^:]{1,60}):\s*(.+)$/.exec(line);
    if (m && m[1]!.trim().toLowerCase() === want) return m[2]!.trim();
    if (line.trim().toLowerCase() === want && lines[i + 1]) return lines[i + 1]!;
  }
  return null;
}

function str(v: string | string[] | null): string | null {
  return Array.isArray(v) ? v.join(', ') : v;
}

function listingWith(
  $: CheerioAPI,
  root: Element | Document,
  spec: z.infer<typeof ListingFields> | undefined,
  base: string,
): RawListing {
  const l = emptyListing();
  if (!spec) return l;
  const lines = new ScopeLines(root);
  l.title = str(readField($, root, spec.title, base, lines));
  l.description = str(readField($, root, spec.description, base, lines));
  l.price = str(readField($, root, spec.price, base, lines));
  l.currency = str(readField($, root, spec.currency, base, lines));
  l.vendor = str(readField($, root, spec.vendor, base, lines));
  l.vendorUrl = str(readField($, root, spec.vendorUrl, base, lines));
  l.category = str(readField($, root, spec.category, base, lines));
  l.shipsFrom = str(readField($, root, spec.shipsFrom, base, lines));
  l.shipsTo = readField($, root, spec.shipsTo, base, lines);
  l.url = str(readField($, root, spec.url, base, lines));
  return l;
}

/** Apply a profile. Returns null when none of its page rules matches this page. */
export function extractWithProfile($: CheerioAPI, url: string, profile: Profile): RawPage | null {
  const path = pathOf(url);
  // Page-level fields select from the whole document, as document.querySelector does in the
  // analyst's browser (so "body > main h1" works), and through the tag index; their label/value
  // lines are the body's text.
  const doc = documentOf($);
  const body = bodyOf(doc);
  for (const rule of profile.pages) {
    if (rule.url && !re2(rule.url).matcher(path).find()) continue;
    if (rule.selector && safeSelectFirst($, rule.selector) === null) continue;
    const lines = new ScopeLines(body);
    const title = str(readField($, doc, rule.threadTitle, url, lines));
    const vendorName = str(readField($, doc, rule.vendorName, url, lines));
    const page: RawPage = { pageType: rule.type, listings: [], posts: [], vendorName, via: profile.name };
    if (rule.type === 'forum_thread') {
      const items = rule.items ? safeSelect($, rule.items) : [];
      page.posts = items.map((el): RawPost => {
        const l = new ScopeLines(el);
        return {
          threadTitle: title,
          author: str(readField($, el, rule.post?.author, url, l)),
          postedAt: str(readField($, el, rule.post?.postedAt, url, l)),
          body: str(readField($, el, rule.post?.body, url, l)) ?? (blockText(el) || null),
        };
      });
    } else if (rule.items) {
      page.listings = safeSelect($, rule.items).map((el) => {
        const l = listingWith($, el, rule.listing, url);
        if (rule.type === 'vendor_profile') l.vendor ??= vendorName;
        return l;
      });
    } else if (rule.type === 'listing') {
      const scope = rule.scope ? (safeSelectFirst($, rule.scope) ?? doc) : doc;
      const l = listingWith($, scope, rule.listing, url);
      l.url ??= url;
      page.listings = [l];
    }
    return page;
  }
  return null;
}

export { inlineText };
