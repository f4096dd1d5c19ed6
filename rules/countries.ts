// Country names and codes, as analysts and vendors write them in the region's languages,
// normalised to ISO 3166-1 alpha-2 (plus XK for Kosovo, as the EU and most markets use it).
import { buildView } from './text.js';

const ISO2 = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO ' +
  'JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR ' +
  'MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO ' +
  'RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV ' +
  'TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK'
).split(' ');

/** Special value for "ships worldwide": matches any shipsTo filter. */
export const WORLDWIDE = 'WORLDWIDE';

// Names in English and the region's languages (Albanian, BCMS in both scripts, Bulgarian,
// Greek, Hungarian, Macedonian, Romanian, Turkish). Compared after normalisation with
// transliteration, so accents, case and script do not matter.
const NAMES: Record<string, string[]> = {
  AL: [
    'albania',
    'shqiperia',
    'shqiperi',
    'albanija',
    'албанија',
    'албания',
    'αλβανια',
    'albania',
    'arnavutluk',
    'albánia',
  ],
  BA: [
    'bosnia',
    'bosnia and herzegovina',
    'bosnia herzegovina',
    'bih',
    'bosna',
    'bosna i hercegovina',
    'босна и херцеговина',
    'босна',
    'босна и херцеговина',
    'bosnje',
    'bosnja dhe hercegovina',
    'βοσνια',
    'bosznia',
    'bosna hersek',
    'bosnia si hertegovina',
  ],
  BG: [
    'bulgaria',
    'bugarska',
    'бугарска',
    'българия',
    'bullgaria',
    'βουλγαρια',
    'bulgaria',
    'bulgaristan',
    'bulgária',
  ],
  GR: [
    'greece',
    'hellas',
    'grcka',
    'грчка',
    'гърция',
    'greqia',
    'ελλαδα',
    'ελλας',
    'gorogorszag',
    'grecia',
    'yunanistan',
  ],
  HU: [
    'hungary',
    'madjarska',
    'madarska',
    'мађарска',
    'унгария',
    'hungaria',
    'ουγγαρια',
    'magyarorszag',
    'ungaria',
    'macaristan',
    'унгарија',
  ],
  MD: ['moldova', 'moldavia', 'moldavija', 'молдавија', 'молдова', 'μολδαβια', 'moldavia'],
  ME: [
    'montenegro',
    'crna gora',
    'црна гора',
    'черна гора',
    'mali i zi',
    'μαυροβουνιο',
    'karadag',
    'muntenegru',
  ],
  MK: [
    'north macedonia',
    'macedonia',
    'makedonija',
    'sjeverna makedonija',
    'severna makedonija',
    'македонија',
    'северна македонија',
    'северна македония',
    'македония',
    'maqedonia',
    'maqedonia e veriut',
    'βορεια μακεδονια',
    'eszak macedonia',
    'macedonia de nord',
    'kuzey makedonya',
    'fyrom',
  ],
  RO: [
    'romania',
    'rumunija',
    'rumunjska',
    'румунија',
    'румъния',
    'rumania',
    'ρουμανια',
    'romania',
    'romanya',
  ],
  RS: ['serbia', 'srbija', 'србија', 'сърбия', 'serbi', 'serbia', 'σερβια', 'szerbia', 'sirbistan'],
  TR: ['turkey', 'turkiye', 'turska', 'турска', 'турция', 'turqia', 'τουρκια', 'torokorszag', 'turcia'],
  XK: ['kosovo', 'kosova', 'косово', 'κοσοβο', 'koszovo'],
  HR: [
    'croatia',
    'hrvatska',
    'хрватска',
    'хърватия',
    'kroacia',
    'κροατια',
    'horvatorszag',
    'croatia',
    'hirvatistan',
  ],
  SI: ['slovenia', 'slovenija', 'словенија', 'словения', 'slovenia', 'σλοβενια', 'szlovenia'],
  CY: ['cyprus', 'kipar', 'кипар', 'qipro', 'κυπρος', 'kibris'],
  DE: [
    'germany',
    'deutschland',
    'njemacka',
    'nemacka',
    'немачка',
    'германия',
    'gjermania',
    'γερμανια',
    'nemetorszag',
    'germania',
    'almanya',
  ],
  AT: ['austria', 'osterreich', 'austrija', 'аустрија', 'австрия', 'αυστρια', 'ausztria', 'avusturya'],
  IT: ['italy', 'italia', 'italija', 'италија', 'италия', 'italia', 'ιταλια', 'olaszorszag', 'italya'],
  NL: [
    'netherlands',
    'holland',
    'nederland',
    'nizozemska',
    'holandija',
    'холандија',
    'нидерландия',
    'ολλανδια',
    'hollandia',
    'olanda',
    'hollanda',
  ],
  BE: ['belgium', 'belgija', 'belgie', 'belgique'],
  FR: [
    'france',
    'francuska',
    'француска',
    'франция',
    'franca',
    'γαλλια',
    'franciaorszag',
    'franta',
    'fransa',
  ],
  ES: [
    'spain',
    'espana',
    'spanija',
    'spanjolska',
    'шпанија',
    'испания',
    'spanja',
    'ισπανια',
    'spanyolorszag',
    'spania',
    'ispanya',
  ],
  PL: ['poland', 'polska', 'poljska', 'пољска', 'полша', 'polonia', 'πολωνια', 'lengyelorszag', 'polonya'],
  CZ: ['czechia', 'czech republic', 'ceska', 'ceska republika', 'češka', 'чешка', 'чехия'],
  SK: ['slovakia', 'slovensko', 'slovacka', 'словачка', 'словакия'],
  UA: ['ukraine', 'ukrajina', 'украјина', 'украина', 'україна', 'ukrayna'],
  RU: ['russia', 'rusija', 'русија', 'россия', 'rusia', 'rusya', 'ρωσια'],
  CH: ['switzerland', 'schweiz', 'svicarska', 'швајцарска', 'швейцария', 'suisse', 'svajc'],
  GB: [
    'united kingdom',
    'uk',
    'great britain',
    'britain',
    'england',
    'velika britanija',
    'велика британија',
    'великобритания',
    'anglia',
    'ingiltere',
  ],
  US: ['united states', 'usa', 'america', 'united states of america', 'sad', 'сад', 'сащ', 'amerika', 'abd'],
  CA: ['canada', 'kanada'],
  AU: ['australia', 'australija'],
  SE: ['sweden', 'svedska', 'sverige'],
  DK: ['denmark', 'danska', 'danmark'],
  NO: ['norway', 'norveska', 'norge'],
  FI: ['finland', 'finska', 'suomi'],
  PT: ['portugal', 'portugalija'],
  IE: ['ireland', 'irska'],
  LU: ['luxembourg', 'luksemburg'],
  CN: ['china', 'kina', 'кина', 'китай'],
  IN: ['india', 'indija'],
  CO: ['colombia', 'kolumbija'],
  PE: ['peru'],
  BO: ['bolivia'],
  MA: ['morocco', 'maroko'],
  AF: ['afghanistan', 'avganistan'],
  PK: ['pakistan'],
  IR: ['iran'],
  [WORLDWIDE]: [
    'worldwide',
    'world',
    'ww',
    'global',
    'international',
    'anywhere',
    'everywhere',
    'ceo svet',
    'cijeli svijet',
    'ves svet',
    'целия свят',
    'цео свет',
    'bota',
    'παγκοσμιως',
    'vilagszerte',
    'in toata lumea',
    'dunya geneli',
  ],
};

function key(s: string): string {
  return buildView(s, 'translit')
    .tokens.map((t) => t.text)
    .join(' ');
}

let byName: Map<string, string> | null = null;
function table(): Map<string, string> {
  if (byName) return byName;
  byName = new Map();
  for (const [code, names] of Object.entries(NAMES)) for (const n of names) byName.set(key(n), code);
  return byName;
}

const ALIASES: Record<string, string> = { UK: 'GB', EL: 'GR', KV: 'XK', KOS: 'XK', WW: WORLDWIDE };
const ISO_SET = new Set(ISO2);

const cache = new Map<string, string | null>();

/** ISO code for a country written as a code or a name; null when unknown. */
export function normaliseCountry(input: string): string | null {
  let c = cache.get(input);
  if (c === undefined) {
    c = lookup(input);
    if (cache.size > 10_000) cache.clear();
    cache.set(input, c);
  }
  return c;
}

function lookup(input: string): string | null {
  const s = input.trim();
  if (s === '') return null;
  const up = s.toUpperCase();
  if (ISO_SET.has(up)) return up;
  if (ALIASES[up]) return ALIASES[up];
  return table().get(key(s)) ?? null;
}

/** Candidates for "did you mean" when a country is not recognised. */
export function countrySuggestions(): string[] {
  return Object.values(NAMES).flat();
}
