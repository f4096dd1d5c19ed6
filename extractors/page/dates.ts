// Post dates as forums write them → ISO 8601. Times without a zone are read as UTC; what cannot be
// read is null (never "now").
const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

function iso(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): string | null {
  if (y < 1990 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
    return null;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (date.getUTCDate() !== d) return null; // 31 February
  return date.toISOString();
}

export function parseDate(text: string | null | undefined): string | null {
  if (!text) return null;
  const t = text.trim().slice(0, 100);
  let m = /(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?/.exec(
    t,
  );
  if (m) {
    if (m[7]) {
      const d = new Date(m[0]);
      return Number.isNaN(d.getTime()) ? null : d.toISOString();
    }
    return iso(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  }
  m = /(\d{1,2})[./](\d{1,2})[./](\d{4})\.?(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?/.exec(t);
  if (m) return iso(+m[3]!, +m[2]!, +m[1]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  m = /([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})(?:,?\s+(\d{1,2}):(\d{2}))?/.exec(t);
  if (m && MONTHS[m[1]!.toLowerCase()])
    return iso(+m[3]!, MONTHS[m[1]!.toLowerCase()]!, +m[2]!, +(m[4] ?? 0), +(m[5] ?? 0));
  m = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})(?:,?\s+(\d{1,2}):(\d{2}))?/.exec(t);
  if (m && MONTHS[m[2]!.toLowerCase()])
    return iso(+m[3]!, MONTHS[m[2]!.toLowerCase()]!, +m[1]!, +(m[4] ?? 0), +(m[5] ?? 0));
  return null;
}
