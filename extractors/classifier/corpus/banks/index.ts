// Every language bank the corpus is built from.
import type { LanguageBank } from '../bank.js';
import { en } from './en.js';

export const BANKS: LanguageBank[] = [en];
