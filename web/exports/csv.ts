// CSV for spreadsheets (RFC 4180). Captured text is attacker-controlled, and spreadsheet programs
// execute cells that start with = + - @ (or tab/CR before one): such cells get a leading
// apostrophe, which every spreadsheet shows as text.
import type { ExportAlert, ExportEntity } from './types.js';

const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text =
    value instanceof Date ? value.toISOString() : Array.isArray(value) ? value.join('; ') : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function alertsCsv(alerts: ExportAlert[]): string {
  return toCsv(
    [
      'id',
      'title',
      'rule',
      'rule_version',
      'severity',
      'status',
      'category',
      'site',
      'vendor',
      'price_eur',
      'url',
      'terms',
      'first_seen',
      'last_seen',
      'sightings',
      'entities',
    ],
    alerts.map((a) => [
      a.id,
      a.title,
      a.rule,
      a.ruleVersion,
      a.severity,
      a.status,
      a.category,
      a.site,
      a.vendor,
      a.priceEur,
      a.url,
      a.terms,
      a.firstSeenAt,
      a.lastSeenAt,
      a.sightings,
      a.entities.map((e) => `${e.type}:${e.value}`),
    ]),
  );
}

export function entitiesCsv(entities: Array<ExportEntity & { mentions?: number; sites?: number }>): string {
  return toCsv(
    ['type', 'value', 'mentions', 'sites'],
    entities.map((e) => [e.type, e.value, e.mentions ?? null, e.sites ?? null]),
  );
}
