// Contact handles: e-mail, Telegram, Session, Wickr and Jabber/XMPP. Handles without a checksum are
// only taken where their form or context says what they are (a bare "@name" is not a Telegram handle
// unless the text around it talks about Telegram).
import { alnumRuns, asciiSet, matchesInSpans, runsAround, stretchEnd, type Span } from './scan.js';
import { surveyText, type Survey } from './survey.js';

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
// The "@name" handle the scan below implements: the name is not followed by a domain ("@x.com").
// const AT_HANDLE = /(?<![\w@.])@([A-Za-z][A-Za-z0-9_]{3,31})(?![\w@.-]*\.[a-z])(?![A-Za-z0-9_])/g;
/**
 * AT_HANDLE tried at one "@", without its lookahead (?![\w@.-]*\.[a-z]) ("no domain follows"), which
 * would rescan the rest of a run of such characters for every "@" in it — quadratic on
 * "@abcd-@abcd-…". The name must end where its characters end ((?![A-Za-z0-9_]) admits no shorter
 * one), so that lookahead has one place to hold, and findTelegramHandles checks it there, reading
 * each run once.
 */
const AT_NAME = /(?<![\w@.])@([A-Za-z][A-Za-z0-9_]{3,31})(?![A-Za-z0-9_])/y;
const TELEGRAM_CONTEXT = /(?:telegram|telegrami|\btg\b|телеграм|τηλεγκραμ|τελεγκραμ|tele\b)/i;

// A Session ID, /(?<![0-9a-fA-F])05[0-9a-fA-F]{64}(?![0-9a-fA-F])/g, is bounded by non-hex
// characters: a whole maximal stretch of hex digits, 66 long, starting with "05" (inside a run of
// letters and digits, scan.ts).
const HEX = asciiSet('0123456789abcdefABCDEF');

// Wickr usernames after the word: /\bwickr(?:\s*me)?(?:\s*(?:id|user(?:name)?|handle))?\s*[:=\-–—]?\s*@?
// ([A-Za-z0-9][A-Za-z0-9_.-]{3,31})/gi — with each \s* made atomic, (?=(\s*))\N: a backtracking \s*
// retries every split of a long run of spaces between its neighbours (minutes on "wickr" and a few
// hundred K of blank lines). The same matches: what follows each \s* never starts with a space, so
// a success that leaves a space to the next part is one the whole-run choice, tried first, finds too.
const WICKR =
  /\bwickr(?:(?=(\s*))\1me)?(?:(?=(\s*))\2(?:id|user(?:name)?|handle))?(?=(\s*))\3[:=\-–—]?(?=(\s*))\4@?(?<name>[A-Za-z0-9][A-Za-z0-9_.-]{3,31})/gi;
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

/** Characters an EMAIL match consists of: [a-z0-9._%+-], "@" and (case-insensitive) letters. */
function emailChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 46 ||
    c === 95 ||
    c === 37 ||
    c === 43 ||
    c === 45 ||
    c === 64
  );
}

/**
 * An address has a local part before its "@" and a "." after it, all address characters: a run of
 * them without an "@" after its first character and a "." after that "@" holds none (a Telegram
 * "@name", a "user@localhost").
 */
function mayHoldAddress(text: string, s: Span): boolean {
  const at = text.indexOf('@', s.start + 1);
  if (at < 0 || at >= s.end) return false;
  const dot = text.indexOf('.', at + 1);
  return dot >= 0 && dot < s.end;
}

/**
 * E-mail addresses and Jabber IDs (the same shape; a JID is one in a Jabber context or on an XMPP
 * server). An address holds an "@" and looks one character around itself, so only the runs of
 * address characters around each "@" are read (see scan.ts).
 */
export function findAddresses(text: string): AddressHit[] {
  const out: AddressHit[] = [];
  const runs = runsAround(text, '@', emailChar);
  for (const m of matchesInSpans(text, runs, EMAIL, { accept: mayHoldAddress })) {
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

/** [\w@.-]: what may stand between a handle and a domain after it. */
function handleTailChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 64 ||
    c === 46 ||
    c === 45
  );
}

function validTelegramUsername(name: string): boolean {
  return name.length >= 5 && name.length <= 32 && !name.endsWith('_') && !name.includes('__');
}

/**
 * Telegram usernames (lower-case, without "@") from t.me links and from "@name" next to "Telegram".
 * A link has a "/" after "me" or "dog", and a handle an "@": the survey says whether either occurs.
 */
export function findTelegramHandles(text: string, survey: Survey = surveyText(text)): string[] {
  const out: string[] = [];
  if (survey.telegramLink)
    for (const m of text.matchAll(TELEGRAM_LINK)) {
      const name = m[1]!;
      if (validTelegramUsername(name)) out.push(name.toLowerCase());
    }
  if (survey.at < 0) return out;
  // Every match starts at an "@" and holds no other: trying each "@" in turn, past the last match,
  // is the global scan without the walk through the rest of the text.
  let tailEnd = -1; // end of the run of [\w@.-] last read, from some earlier handle's end on
  let lastDotLetter = -1; // the last ".x" (x in a-z) in that run
  for (let at = survey.at; at >= 0;) {
    AT_NAME.lastIndex = at;
    const m = AT_NAME.exec(text);
    at = text.indexOf('@', m ? AT_NAME.lastIndex : at + 1);
    if (!m) continue;
    const end = m.index + m[0].length;
    if (end >= tailEnd) {
      lastDotLetter = -1;
      for (tailEnd = end; tailEnd < text.length && handleTailChar(text.charCodeAt(tailEnd)); tailEnd++) {
        const next = text.charCodeAt(tailEnd + 1);
        if (text.charCodeAt(tailEnd) === 46 && next >= 97 && next <= 122) lastDotLetter = tailEnd;
      }
    }
    if (lastDotLetter >= end) continue; // "@name….example": part of an address, not a handle
    const name = m[1]!;
    if (!validTelegramUsername(name)) continue;
    if (TELEGRAM_CONTEXT.test(windowBefore(text, m.index))) out.push(name.toLowerCase());
  }
  return out;
}

/** Session messenger IDs: 66 hex digits starting 05 (an X25519 key with its type byte), in runs of letters and digits. */
export function findSessionIds(text: string, runs: readonly Span[] = alnumRuns(text)): string[] {
  const out: string[] = [];
  for (const r of runs) {
    if (r.end - r.start < 66) continue;
    for (let i = r.start; i < r.end;) {
      const end = stretchEnd(text, i, r.end, HEX);
      if (end - i === 66 && text.charCodeAt(i) === 48 && text.charCodeAt(i + 1) === 53)
        out.push(text.slice(i, end).toLowerCase());
      i = end + 1; // past the stretch and the non-hex character ending it
    }
  }
  return out;
}

/** Wickr usernames written after the word "Wickr" (the survey says whether it occurs). */
export function findWickrHandles(text: string, survey: Survey = surveyText(text)): string[] {
  const out: string[] = [];
  if (!survey.wickr) return out;
  for (const m of text.matchAll(WICKR)) {
    const name = m.groups!.name!.replace(/[.-]+$/, '');
    if (name.length < 4 || WICKR_STOPWORDS.has(name.toLowerCase())) continue;
    out.push(name.toLowerCase());
  }
  return out;
}
