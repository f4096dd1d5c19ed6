// Every language bank the corpus is built from.
import type { LanguageBank } from '../bank.js';
import { bg } from './bg.js';
import { el } from './el.js';
import { en } from './en.js';
import { hr } from './hr.js';
import { hu } from './hu.js';
import { mk } from './mk.js';
import { ro } from './ro.js';
import { sq } from './sq.js';
import { sr } from './sr.js';
import { tr } from './tr.js';

export const BANKS: LanguageBank[] = [en, sq, hr, sr, bg, el, hu, mk, ro, tr];
