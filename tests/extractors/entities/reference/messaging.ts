// Contact handles: e-mail, Telegram, Session, Wickr and Jabber/XMPP. Handles without a checksum are
// only taken where their form or context says what they are (a bare "@name" is not a Telegram handle
// unless the text around it talks about Telegram).

const EMAIL =
  /(?<![\w.+-])[a-z0-9][a-z0-9._%+-]{0,63}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,8}[a-z]{2,24}(?![\w-])/gi;
/** File names and asset references that look like addresses: logo@2x.png. */
const NOT_A_TLD = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'svg',
  'css',
  'js',
  'ico',
  'bmp',
  'mp4',
  'woff',
  'woff2',
]);

const TELEGRAM_LINK =
  /(?<![\w.])(?:https?:\/\/)?(?:t\.me|telegram\.me|telegram\.dog)\/(?!joinchat\b|addstickers\b|share\b|c\/|\+)([A-Za-z][A-Za-z0-9_]{3,31})(?![A-Za-z0-9_])/gi;
const AT_HANDLE = /(?<![\w@.])@([A-Za-z][A-Za-z0-9_]{3,31})(?![\w@.-]*\.[a-z])(?![A-Za-z0-9_])/g;
const TELEGRAM_CONTEXT = /(?:telegram|telegrami|\btg\b|телеграм|τηλεγκραμ|τελεγκραμ|tele\b)/i;

const SESSION = /(?<![0-9a-fA-F])05[0-9a-fA-F]{64}(?![0-9a-fA-F])/g;

const WICKR =
  /\bwickr(?:\s*me)?(?:\s*(?:id|user(?:name)?|handle))?\s*[:=\-–—]?\s*@?([A-Za-z0-9][A-Za-z0-9_.-]{3,31})/gi;
const WICKR_STOPWORDS = new Set([
  'only',
  'me',
  'id',
  'user',
  'username',
  'contact',
  'please',
  'and',
  'or',
  'the',
]);

const JABBER_CONTEXT = /(?:jabber|xmpp|\bjid\b|omemo|\botr\b|џабер|жабер)/i;
const XMPP_DOMAINS =
  /(?:^|\.)(?:jabber\.[a-z.]+|xmpp\.[a-z.]+|jabb\.im|exploit\.im|creep\.im|sure\.im|conversations\.im|404\.city|thesecure\.biz|xmpp\.jp|jabber\.ccc\.de|dismail\.de|draugr\.de|yourdata\.forsale|anonym\.im|rows\.io|xabber\.org|jabbers\.one|jabber\.cz|jabber\.ru|jabber\.de)$/i;

const CONTEXT_WINDOW = 48;

function windowBefore(text: string, index: number): string {
  return text.slice(Math.max(0, index - CONTEXT_WINDOW), index);
}

const EMAIL_CONTEXT = /(?:e-?mail|mail|пошта|поща|е-пошта|имейл|email-i|posta|e-posta|courriel)/gi;
const JABBER_CONTEXT_G = new RegExp(JABBER_CONTEXT.source, 'gi');

/** Jabber when the nearest preceding contact word is a Jabber word ("Jabber: a@x  E-mail: b@y"). */
function closerContext(window: string): boolean {
  let lastJabber = -1;
  for (const m of window.matchAll(JABBER_CONTEXT_G)) lastJabber = m.index;
  if (lastJabber < 0) return false;
  let lastEmail = -1;
  for (const m of window.matchAll(EMAIL_CONTEXT)) lastEmail = m.index;
  return lastJabber > lastEmail;
}

export interface AddressHit {
  type: 'email' | 'jabber';
  value: string;
}

/** E-mail addresses and Jabber IDs (the same shape; a JID is one in a Jabber context or on an XMPP server). */
export function findAddresses(text: string): AddressHit[] {
  const out: AddressHit[] = [];
  for (const m of text.matchAll(EMAIL)) {
    const value = m[0].toLowerCase();
    const domain = value.slice(value.indexOf('@') + 1);
    const tld = domain.slice(domain.lastIndexOf('.') + 1);
    if (NOT_A_TLD.has(tld)) continue;
    if (value.includes('..')) continue;
    const jabber = XMPP_DOMAINS.test(domain) || closerContext(windowBefore(text, m.index));
    out.push({ type: jabber ? 'jabber' : 'email', value });
  }
  return out;
}

function validTelegramUsername(name: string): boolean {
  return name.length >= 5 && name.length <= 32 && !name.endsWith('_') && !name.includes('__');
}

/** Telegram usernames (lower-case, without "@") from t.me links and from "@name" next to "Telegram". */
export function findTelegramHandles(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TELEGRAM_LINK)) {
    const name = m[1]!;
    if (validTelegramUsername(name)) out.push(name.toLowerCase());
  }
  for (const m of text.matchAll(AT_HANDLE)) {
    const name = m[1]!;
    if (!validTelegramUsername(name)) continue;
    if (TELEGRAM_CONTEXT.test(windowBefore(text, m.index))) out.push(name.toLowerCase());
  }
  return out;
}

/** Session messenger IDs: 66 hex digits starting 05 (an X25519 key with its type byte). */
export function findSessionIds(text: string): string[] {
  return Array.from(text.matchAll(SESSION), (m) => m[0].toLowerCase());
}

/** Wickr usernames written after the word "Wickr". */
export function findWickrHandles(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(WICKR)) {
    const name = m[1]!.replace(/[.-]+$/, '');
    if (name.length < 4 || WICKR_STOPWORDS.has(name.toLowerCase())) continue;
    out.push(name.toLowerCase());
  }
  return out;
}
