// Category paths as each site shows them: every market has its own taxonomy and separator.
import type { Subcategory } from './catalog.js';

const MARKET_A: Record<Subcategory, string[]> = {
  pistols: ['Weapons', 'Handguns'],
  rifles: ['Weapons', 'Long guns'],
  ammunition: ['Weapons', 'Ammunition'],
  parts: ['Weapons', 'Parts & Accessories'],
  cocaine: ['Drugs', 'Stimulants', 'Cocaine'],
  amphetamine: ['Drugs', 'Stimulants', 'Speed'],
  methamphetamine: ['Drugs', 'Stimulants', 'Meth'],
  captagon: ['Drugs', 'Stimulants', 'Captagon'],
  heroin: ['Drugs', 'Opioids', 'Heroin'],
  mdma: ['Drugs', 'Ecstasy', 'MDMA'],
  cannabis: ['Drugs', 'Cannabis', 'Weed'],
  passports: ['Fraud', 'Documents', 'Passports'],
  id_cards: ['Fraud', 'Documents', 'ID cards'],
  driving_licences: ['Fraud', 'Documents', 'Driving licences'],
  residence_permits: ['Fraud', 'Documents', 'Residence permits'],
  banknotes: ['Counterfeit', 'Currency', 'EUR'],
  airsoft: ['Other', 'Airsoft'],
  holsters: ['Weapons', 'Holsters'],
  prop_money: ['Counterfeit', 'Prop money'],
  passport_covers: ['Other', 'Accessories'],
  ebooks: ['Digital', 'E-books'],
  software: ['Digital', 'Software'],
  cbd_cosmetics: ['Drugs', 'CBD'],
  cleaning_kits: ['Weapons', 'Care & cleaning'],
};

const MARKET_B: Record<Subcategory, string[]> = {
  pistols: ['Guns', 'Pistols'],
  rifles: ['Guns', 'Rifles'],
  ammunition: ['Guns', 'Ammo'],
  parts: ['Guns', 'Parts'],
  cocaine: ['Chemicals', 'Coke'],
  amphetamine: ['Chemicals', 'Amphetamines'],
  methamphetamine: ['Chemicals', 'Meth'],
  captagon: ['Chemicals', 'Pills'],
  heroin: ['Chemicals', 'Opiates'],
  mdma: ['Chemicals', 'Pills'],
  cannabis: ['Chemicals', 'Cannabis'],
  passports: ['Papers', 'Passports'],
  id_cards: ['Papers', 'IDs'],
  driving_licences: ['Papers', 'Licences'],
  residence_permits: ['Papers', 'Permits'],
  banknotes: ['Money', 'Counterfeit'],
  airsoft: ['Hobby', 'Airsoft'],
  holsters: ['Hobby', 'Holsters'],
  prop_money: ['Money', 'Props'],
  passport_covers: ['Hobby', 'Travel'],
  ebooks: ['Digital', 'Books'],
  software: ['Digital', 'Software'],
  cbd_cosmetics: ['Wellness', 'CBD'],
  cleaning_kits: ['Hobby', 'Gun care'],
};

const SHOP: Partial<Record<Subcategory, string[]>> = {
  pistols: ['Shop', 'Handguns'],
  rifles: ['Shop', 'Rifles'],
  ammunition: ['Shop', 'Ammunition'],
  parts: ['Shop', 'Upgrades'],
  holsters: ['Shop', 'Holsters'],
  cleaning_kits: ['Shop', 'Maintenance'],
};

export type PathStyle = 'market-a' | 'market-b' | 'shop';

export const SEPARATORS: Record<PathStyle, string> = { 'market-a': ' > ', 'market-b': ' / ', shop: ' › ' };

export function categoryPath(style: PathStyle, sub: Subcategory): string[] {
  const table = style === 'market-a' ? MARKET_A : style === 'market-b' ? MARKET_B : SHOP;
  return table[sub] ?? ['Shop', 'Other'];
}

export function categoryText(style: PathStyle, sub: Subcategory): string {
  return categoryPath(style, sub).join(SEPARATORS[style]);
}

/** Shop stock: what a single firearms vendor sells. */
export const SHOP_SUBCATEGORIES: readonly Subcategory[] = [
  'pistols',
  'rifles',
  'ammunition',
  'parts',
  'holsters',
  'cleaning_kits',
];
