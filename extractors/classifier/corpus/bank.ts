// Shape of the hand-written phrase banks the corpus is composed from. A bank is written per
// language by hand; `build.ts` combines its phrases into listings. Templates use `{item}` for the
// product phrase. The last part of every list (see build.ts) only ever appears in the held-out
// split, so held-out rows are phrased with titles, descriptions and products the model never saw.

export interface ClassBank {
  /** Product phrases as vendors write them (brand, model, grams, country …). */
  items: string[];
  /** Title templates with `{item}`. */
  titles: string[];
  /** Description sentences with `{item}`. */
  descs: string[];
}

/** Families of look-alike goods that are legal or harmless and must come out as `other`. */
export const HARD_NEGATIVE_FAMILIES = [
  'airsoft',
  'holster',
  'cleaning',
  'scope',
  'propmoney',
  'passportcover',
  'cbd',
  'ebook',
  'software',
  'vpn',
  'jewellery',
] as const;
export type HardNegativeFamily = (typeof HARD_NEGATIVE_FAMILIES)[number];

export interface LanguageBank {
  /** Corpus language code: en, sq, hr (BCMS in Latin script), sr (BCMS in Cyrillic), bg, el, hu, mk, ro, tr. */
  lang: string;
  firearms: ClassBank;
  drugs: ClassBank;
  documents: ClassBank;
  /** Ordinary goods and services that are neither of the three target classes. */
  other: ClassBank;
  hardNegatives: Record<HardNegativeFamily, ClassBank>;
  /** Market boilerplate (shipping, escrow, contact) shared by every class, so it carries no signal. */
  extras: string[];
  /** Row-count multiplier for banks with more phrases (English, the markets' lingua franca). Default 1. */
  scale?: number;
}
