// Captured pages are hostile. Before an analyst sees one, it is reduced to inert markup: no
// scripts, no event handlers, no forms, no frames, no links that navigate, no resources from
// anywhere (only data: images survive, and the viewer's CSP blocks everything else anyway), no
// CSS that could fetch (url(), @import, image-set, escapes). This is one of three layers: the
// frame is also sandboxed without scripts and served with `default-src 'none'`.
import sanitizeHtml from 'sanitize-html';

const ALLOWED_TAGS = [
  'html',
  'body',
  'main',
  'header',
  'footer',
  'nav',
  'section',
  'article',
  'aside',
  'div',
  'span',
  'p',
  'br',
  'hr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'a',
  'b',
  'strong',
  'i',
  'em',
  'u',
  's',
  'small',
  'sub',
  'sup',
  'mark',
  'code',
  'pre',
  'kbd',
  'blockquote',
  'q',
  'cite',
  'abbr',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'th',
  'td',
  'caption',
  'colgroup',
  'col',
  'img',
  'figure',
  'figcaption',
  'label',
  'font',
  'center',
  'time',
  'address',
  'details',
  'summary',
];

// A style attribute survives only if it cannot fetch or smuggle anything: no parentheses (url(),
// image-set(), expression()), no backslash escapes, no @-rules, no comments.
const SAFE_STYLE = /^[a-zA-Z0-9\s:;#%.,!'"-]*$/;
const BAD_STYLE_WORD = /url|image|expression|behavior|binding|import|src/i;

function safeStyle(value: string | undefined): string | undefined {
  if (!value || value.length > 2000) return undefined;
  return SAFE_STYLE.test(value) && !BAD_STYLE_WORD.test(value) ? value : undefined;
}

function isDataImage(src: string | undefined): boolean {
  return (
    !!src && /^data:image\/(png|jpe?g|gif|webp);base64,[a-z0-9+/=\s]+$/i.test(src) && src.length < 2_000_000
  );
}

export function sanitizeCapturedHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    // No event handlers, no href/src/srcset/action/formaction/background — only presentational bits.
    allowedAttributes: {
      '*': ['class', 'id', 'title', 'lang', 'dir', 'align', 'style', 'colspan', 'rowspan', 'width', 'height'],
      img: ['src', 'alt', 'width', 'height'],
      a: ['data-href'],
      font: ['color', 'size'],
    },
    allowedSchemes: ['data'],
    allowedSchemesByTag: { img: ['data'] },
    allowProtocolRelative: false,
    // Contents of these are dropped together with the tag.
    nonTextTags: [
      'script',
      'style',
      'textarea',
      'option',
      'noscript',
      'template',
      'title',
      'iframe',
      'object',
      'embed',
      'svg',
      'math',
    ],
    disallowedTagsMode: 'discard',
    transformTags: {
      // Keep where a link pointed as inert text for the analyst; it can never be followed.
      a: (_tagName, attribs) => {
        const out: Record<string, string> = {};
        if (attribs.href) out['data-href'] = attribs.href.slice(0, 2000);
        return { tagName: 'a', attribs: out };
      },
      '*': (tagName, attribs) => {
        const out = { ...attribs };
        const style = safeStyle(out.style);
        if (style === undefined) delete out.style;
        else out.style = style;
        if (tagName === 'img' && !isDataImage(out.src)) delete out.src;
        return { tagName, attribs: out };
      },
    },
    exclusiveFilter: (frame) => frame.tag === 'img' && !isDataImage(frame.attribs.src),
  });
}

/** Bytes of a capture as text for the viewer (invalid UTF-8 becomes U+FFFD, never an error). */
export function decodeCapture(bytes: Uint8Array, contentType: string | null): string {
  const charset = /charset=([\w-]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  try {
    return new TextDecoder(charset ?? 'utf-8', { fatal: false }).decode(bytes);
  } catch {
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  }
}

export const EVIDENCE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox";

/**
 * The document served into the evidence frame. Images stay blurred (these sites can show abuse
 * material) until the analyst asks for the frame again with `reveal`.
 */
export function evidenceDocument(sanitisedBody: string, revealImages = false): string {
  const blur = revealImages ? '' : '<style>img{filter:blur(24px)}</style>';
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">${blur}</head><body>${sanitisedBody}</body></html>`;
}
