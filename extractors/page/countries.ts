// Country names → ISO 3166-1 alpha-2, in English and the region's languages. Names come from ICU
// (Intl.DisplayNames, so every country in every language we list) plus the inflected and informal
// forms that listings use ("iz Srbije", "Shqipëria", "Holland", "UK"). Matching is on normalised text,
// so Cyrillic, Greek and Latin spellings meet.
import { normalise } from '../normalise.js';

const LANGUAGES = [
  'en',
  'sq',
  'sr',
  'sr-Latn',
  'hr',
  'bs',
  'bg',
  'mk',
  'el',
  'hu',
  'ro',
  'tr',
  'de',
  'fr',
  'it',
  'es',
  'ru',
];
/** Codes ICU still names that are not countries today (historical, reserved, macro-regions). */
const NOT_COUNTRIES = new Set([
  'CS',
  'DD',
  'YU',
  'SU',
  'BU',
  'ZR',
  'TP',
  'AN',
  'NT',
  'FX',
  'QU',
  'XA',
  'XB',
  'YD',
  'DY',
  'HV',
  'NH',
  'RH',
  'VD',
  'ZZ',
  'EU',
  'EZ',
  'UN',
  'QO',
]);

/** Forms ICU does not give: definite/inflected forms in the region's languages, informal names. */
const ALIASES: Record<string, string[]> = {
  AL: [
    'shqiperia',
    'shqipëria',
    'shqipërisë',
    'albanije',
    'albanii',
    'албанија',
    'албания',
    'αλβανία',
    'albániából',
  ],
  XK: ['kosovo', 'kosova', 'kosovës', 'kosove', 'косово', 'κόσοβο', 'koszovó'],
  RS: [
    'srbije',
    'srbiji',
    'србије',
    'србији',
    'serbië',
    'serbia',
    'serbisë',
    'serbiei',
    'σερβία',
    'szerbiából',
    'sırbistan',
  ],
  BA: [
    'bosnia',
    'bih',
    'bosne',
    'bosni',
    'босне',
    'bosna',
    'bosnje',
    'bosnjes',
    'босна и херцеговина',
    'bosna i hercegovina',
    'bosnia and herzegovina',
  ],
  ME: ['crne gore', 'crnoj gori', 'црне горе', 'crna gora', 'malit te zi', 'mali i zi', 'μαυροβούνιο'],
  MK: [
    'macedonia',
    'north macedonia',
    'makedonije',
    'makedonija',
    'македонија',
    'македонии',
    'македония',
    'maqedonia',
    'maqedonisë',
    'maqedonia e veriut',
    'fyrom',
    'σκόπια',
  ],
  HR: ['hrvatske', 'hrvatskoj', 'хрватске', 'croatia', 'kroacia', 'kroacisë'],
  BG: [
    'bugarske',
    'bugarskoj',
    'българия',
    'бугарија',
    'bullgaria',
    'bullgarisë',
    'βουλγαρία',
    'bulgária',
    'bulgaristan',
  ],
  GR: [
    'greece',
    'grčke',
    'grcke',
    'грчке',
    'грција',
    'greqia',
    'greqisë',
    'ελλάδα',
    'ελλάς',
    'hellas',
    'görögország',
    'yunanistan',
    'grecia',
  ],
  HU: [
    'mađarske',
    'madjarske',
    'мађарске',
    'hungaria',
    'hungarisë',
    'magyarország',
    'magyarországról',
    'macaristan',
    'ουγγαρία',
  ],
  RO: [
    'rumunije',
    'rumunjske',
    'румуније',
    'rumania',
    'rumanisë',
    'românia',
    'romania',
    'româniei',
    'romániából',
    'romanya',
    'ρουμανία',
  ],
  TR: [
    'turkey',
    'turske',
    'turska',
    'турске',
    'turqia',
    'turqisë',
    'türkiye',
    'turkiye',
    'türkiyeden',
    'τουρκία',
    'törökország',
  ],
  MD: ['moldova', 'moldavia', 'moldavije', 'moldovei'],
  SI: ['slovenije', 'slovenia', 'sllovenia'],
  DE: [
    'germany',
    'njemačke',
    'nemačke',
    'немачке',
    'gjermania',
    'gjermanisë',
    'deutschland',
    'γερμανία',
    'németország',
    'almanya',
  ],
  NL: ['netherlands', 'holland', 'the netherlands', 'nl', 'holandije', 'holanda', 'hollanda', 'ολλανδία'],
  GB: [
    'uk',
    'united kingdom',
    'great britain',
    'britain',
    'england',
    'engleske',
    'anglia',
    'angliа',
    'αγγλία',
  ],
  US: [
    'usa',
    'us',
    'united states',
    'america',
    'united states of america',
    'amerike',
    'sad',
    'сад',
    'shba',
    'η.π.α.',
    'abd',
  ],
  IT: ['italy', 'italije', 'italia', 'italisë', 'ιταλία'],
  AT: ['austria', 'austrije', 'österreich'],
  CH: ['switzerland', 'švicarske', 'švajcarske', 'zvicra'],
  ES: ['spain', 'španije', 'spanja', 'españa'],
  FR: ['france', 'francuske', 'franca', 'francës'],
  BE: ['belgium', 'belgije'],
  PL: ['poland', 'poljske', 'polska'],
  CZ: ['czechia', 'czech republic', 'češke'],
  UA: ['ukraine', 'ukrajine', 'україна'],
  RU: ['russia', 'rusije', 'россия', 'rusia'],
  CN: ['china', 'kine', 'kina'],
  CA: ['canada', 'kanade'],
  AU: ['australia', 'australije'],
  CO: ['colombia', 'kolumbije'],
  PE: ['peru'],
  BO: ['bolivia'],
  EC: ['ecuador', 'ekvadora'],
  IN: ['india', 'indije'],
  // Not countries, but what "ships to" says; the range's ground truth uses these codes too.
  WW: [
    'worldwide',
    'world wide',
    'world',
    'anywhere',
    'international',
    'cijeli svijet',
    'ceo svet',
    'në të gjithë botën',
    'цял свят',
    'παγκοσμίως',
    'világszerte',
    'dünya geneli',
    'în toată lumea',
  ],
  EU: [
    'european union',
    'eu',
    'evropska unija',
    'europska unija',
    'bashkimi evropian',
    'европейски съюз',
    'ευρωπαϊκή ένωση',
    'európai unió',
    'avrupa birliği',
    'uniunea europeană',
  ],
};

let names: Map<string, string> | null = null;

let codes: string[] | null = null;

function regionCodes(): string[] {
  codes ??= listRegionCodes();
  return codes;
}

function listRegionCodes(): string[] {
  const en = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const out: string[] = [];
  for (let a = 65; a <= 90; a++)
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = en.of(code);
      // Skip unassigned, macro-regions and reserved codes that ICU still names.
      if (name && name !== code && !NOT_COUNTRIES.has(code)) out.push(code);
    }
  return out;
}

function build(): Map<string, string> {
  const m = new Map<string, string>();
  const codes = regionCodes();
  for (const lang of LANGUAGES) {
    let dn: Intl.DisplayNames;
    try {
      dn = new Intl.DisplayNames([lang], { type: 'region', fallback: 'none' });
    } catch {
      continue;
    }
    for (const code of codes) {
      const name = dn.of(code);
      if (name) {
        const key = normalise(name);
        if (!m.has(key)) m.set(key, code);
      }
    }
  }
  for (const [code, aliases] of Object.entries(ALIASES)) for (const a of aliases) m.set(normalise(a), code);
  return m;
}

function table(): Map<string, string> {
  names ??= build();
  return names;
}

/** Words around a country name that do not change which country it is. */
const FILLER = new Set(
  [
    'from',
    'in',
    'to',
    'the',
    'ships',
    'shipping',
    'only',
    'country',
    'iz',
    'u',
    'od',
    'nga',
    'ne',
    'në',
    'din',
    'de',
    'la',
    'из',
    'от',
    'од',
    'у',
    'во',
    'από',
    'απο',
    'σε',
    'προς',
    'innen',
    'ból',
    'től',
    'dan',
    'den',
    'tan',
    'ten',
  ].map((w) => normalise(w)),
);

/**
 * ISO code for a country name or code in any supported language ("Serbia", "Србија", "iz Srbije",
 * "Shqipëria", "Ελλάδα", "RS"), or null.
 */
export function countryCode(text: string): string | null {
  // Markets repeat a handful of ships-from spellings on every page; normalising them is the cost.
  if (text.length > 200) return lookupCountry(text); // not a country name; never kept
  const known = codeCache.get(text);
  if (known !== undefined) return known;
  const code = lookupCountry(text);
  if (codeCache.size >= 10_000) codeCache.clear();
  codeCache.set(text, code);
  return code;
}
const codeCache = new Map<string, string | null>();

function lookupCountry(text: string): string | null {
  const raw = text.trim();
  if (raw.length === 0 || raw.length > 80) return null;
  if (/^[A-Z]{2}$/.test(raw) && regionCodes().includes(raw)) return raw;
  if (raw === 'UK') return 'GB';
  const norm = normalise(raw.replace(/[()[\]{}.!]+/g, ' '));
  const direct = table().get(norm);
  if (direct) return direct;
  const words = norm.split(/[\s,;/|]+/).filter((w) => w && !FILLER.has(w));
  if (words.length === 0) return null;
  const joined = table().get(words.join(' '));
  if (joined) return joined;
  // Longest run of words that names a country ("ships from sunny serbia" → serbia).
  for (let len = Math.min(words.length, 4); len >= 1; len--)
    for (let i = 0; i + len <= words.length; i++) {
      const hit = table().get(words.slice(i, i + len).join(' '));
      if (hit && (len > 1 || words[i]!.length > 2)) return hit;
    }
  return null;
}

/** Several countries in one value ("Serbia, Bosnia & Montenegro"); unknown parts are kept as written. */
function addOnce(out: string[], v: string): void {
  if (v && !out.includes(v)) out.push(v);
}

export function countryList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/\s*[,;/|+]\s*/u)) {
    const p = part.trim();
    if (!p) continue;
    const whole = countryCode(p);
    if (whole) {
      addOnce(out, whole); // "Bosnia and Herzegovina" is one country
      continue;
    }
    const pieces = p
      .split(/\s*(?:&|\band\b|\bi\b|\bdhe\b|\bés\b|\bve\b|\bși\b|\bsi\b|\bκαι\b|\bи\b)\s*/u)
      .filter(Boolean);
    const codes = pieces.map((x) => countryCode(x));
    if (pieces.length > 1 && codes.every((c) => c !== null)) for (const c of codes) addOnce(out, c!);
    else addOnce(out, p);
  }
  return out;
}
