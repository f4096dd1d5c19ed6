// The text form of the triage-queue filters, parsed once for both front ends: `darkwatch alerts
// list/export` (flags) and GET /api/alerts, /api/alerts/export (query parameters). Pure; bad input is
// a UserError naming the flag or parameter (the CLI prints it, the web answers 400 with it). Every
// value is bounded before it is split, so a huge or hostile argument costs nothing and the error
// message stays short and printable.
import { UserError } from '../core/errors.js';
import {
  ALERT_STATUSES,
  CATEGORIES,
  SEVERITIES,
  type AlertStatus,
  type Category,
  type Severity,
} from '../core/types.js';
import type { AlertFilter } from './alerts.js';

/** Longest filter value (a list of choices, a rule, site or vendor name), characters. */
export const FILTER_VALUE_MAX = 200;
/** Most alert ids one export may name. */
export const ALERT_IDS_MAX = 10_000;
/** Longest id list: ALERT_IDS_MAX ids of up to 16 digits (safe integers) and their separators. */
const ID_LIST_MAX = ALERT_IDS_MAX * 18;

/** An offending item as the error shows it: at most 40 characters, quoted, control characters escaped. */
function shown(item: string): string {
  return JSON.stringify(item.length > 40 ? `${item.slice(0, 40)}…` : item);
}

function bounded(value: string, max: number, label: string): string {
  if (value.length > max) throw new UserError(`${label}: longer than ${max} characters`);
  return value;
}

/** The distinct non-empty items of a comma-separated list, trimmed, in first-seen order. */
function items(value: string): string[] {
  return [
    ...new Set(
      value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * A comma-separated list of choices (`new,in_review`). Empty items and surrounding whitespace are
 * ignored, repeats count once; undefined when nothing is left (no filter). Any item not in
 * `allowed` (case-sensitive) is an error.
 */
export function parseChoiceList<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  label: string,
): T[] | undefined {
  if (!value) return undefined;
  const list = items(bounded(value, FILTER_VALUE_MAX, label));
  for (const i of list)
    if (!(allowed as readonly string[]).includes(i))
      throw new UserError(`${label}: ${shown(i)} is not one of ${allowed.join(', ')}`);
  return list.length ? (list as T[]) : undefined;
}

/** One choice (`firearms`), taken as is; empty = no filter. */
export function parseChoice<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  label: string,
): T | undefined {
  if (!value) return undefined;
  if (!(allowed as readonly string[]).includes(bounded(value, FILTER_VALUE_MAX, label)))
    throw new UserError(`${label}: ${shown(value)} is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** A free-text filter (rule, site, vendor name), taken as is; empty = no filter. */
export function parseFilterText(value: string | undefined, label: string): string | undefined {
  if (!value) return undefined;
  bounded(value, FILTER_VALUE_MAX, label);
  // PostgreSQL text cannot hold a NUL, so no stored name has one (it would fail in SQL, less clearly).
  // Other characters are left alone: names come from crawled pages, and the value is only ever bound.
  if (value.includes('\u0000')) throw new UserError(`${label}: contains a NUL character`);
  return value;
}

/**
 * A comma-separated list of alert ids (`12,7,12`): whitespace around an id is allowed, an empty
 * item is not; repeats count once (an export names each alert once); at most ALERT_IDS_MAX.
 */
export function parseIdList(value: string | undefined, label: string): number[] | undefined {
  if (!value) return undefined;
  const parts = bounded(value, ID_LIST_MAX, label).split(',');
  if (parts.length > ALERT_IDS_MAX) throw new UserError(`${label}: more than ${ALERT_IDS_MAX} ids`);
  const ids = new Set<number>();
  for (const part of parts) {
    const text = part.trim();
    const id = /^[0-9]{1,16}$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(id) || id < 1)
      throw new UserError(`${label}: ${shown(text)} is not an alert id`);
    ids.add(id);
  }
  return [...ids];
}

/** The text filters of the triage queue, by the names both front ends use. */
export interface AlertFilterText {
  status?: string;
  severity?: string;
  rule?: string;
  site?: string;
  category?: string;
  vendor?: string;
}

export type TextFilters = Pick<
  AlertFilter,
  'status' | 'severity' | 'rule' | 'sourceName' | 'category' | 'vendor'
>;

/**
 * Parse the text filters; `label` names a field in errors the way the caller's user wrote it
 * (`--status` on the command line, `status` in a query string).
 */
export function parseAlertFilterText(
  q: AlertFilterText,
  label: (field: keyof AlertFilterText) => string,
): TextFilters {
  return {
    status: parseChoiceList<AlertStatus>(q.status, ALERT_STATUSES, label('status')),
    severity: parseChoiceList<Severity>(q.severity, SEVERITIES, label('severity')),
    rule: parseFilterText(q.rule, label('rule')),
    sourceName: parseFilterText(q.site, label('site')),
    category: parseChoice<Category>(q.category, CATEGORIES, label('category')),
    vendor: parseFilterText(q.vendor, label('vendor')),
  };
}
