// Pure exporters: CSV formula-injection safety, STIX 2.1 deterministic ids and TLP markings,
// MISP event shape; and the HTML sanitiser of captured pages.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../web/exports/csv.js';
import { mispEvent } from '../../web/exports/misp.js';
import { entityObservable, scoId, stixBundle, STIX_NAMESPACE } from '../../web/exports/stix.js';
import type { ExportAlert } from '../../web/exports/types.js';
import { sanitizeCapturedHtml } from '../../web/sanitize.js';
import { hostilePage } from './seed.js';

/** RFC 4122 UUIDv5 written out independently of the uuid package. */
function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const alert: ExportAlert = {
  id: 7,
  title: 'Glock 19',
  rule: 'handguns',
  ruleVersion: 2,
  severity: 'high',
  status: 'escalated',
  category: 'firearms',
  site: 'alpha',
  url: 'http://alpha.onion/l/1',
  vendor: 'GunSmith',
  priceEur: 650,
  terms: ['glock'],
  firstSeenAt: new Date('2026-11-01T00:00:00Z'),
  lastSeenAt: new Date('2026-11-02T00:00:00Z'),
  sightings: 3,
  entities: [
    { type: 'btc', value: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' },
    { type: 'email', value: 'vendor@example.org' },
    { type: 'telegram', value: '@gunsmith' },
  ],
};
const ctx = {
  producer: 'Unit X',
  tlp: 'amber' as const,
  generatedAt: new Date('2026-11-28T00:00:00Z'),
  title: 't',
};

describe('CSV', () => {
  it('neutralises formula cells and quotes separators', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(null)).toBe('');
  });

  it('never lets any string start a cell with a formula character', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const cell = csvCell(s);
        const inner = cell.startsWith('"') ? cell.slice(1) : cell;
        return !/^[=+\-@\t\r]/.test(inner);
      }),
      { numRuns: 500 },
    );
    const parsedRows = toCsv(['a'], [['x"y'], ['=1']]).split('\r\n');
    expect(parsedRows).toEqual(['a', '"x""y"', "'=1", '']);
  });
});

describe('STIX 2.1', () => {
  it('derives SCO ids as UUIDv5 in the STIX namespace over the canonical id-contributing properties', () => {
    expect(scoId('email-addr', { value: 'vendor@example.org' })).toBe(
      `email-addr--${uuidV5('{"value":"vendor@example.org"}', STIX_NAMESPACE)}`,
    );
    const acct = entityObservable({ type: 'telegram', value: '@gunsmith' }, 'marking-definition--x');
    expect(acct.id).toBe(
      `user-account--${uuidV5('{"account_login":"@gunsmith","account_type":"telegram"}', STIX_NAMESPACE)}`,
    );
  });

  it('builds a reproducible bundle with a TLP marking on every object', () => {
    const a = stixBundle([alert], [], ctx);
    const b = stixBundle([alert], [], ctx);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const objects = a.objects as Array<Record<string, unknown>>;
    const marking = objects.find((o) => o.type === 'marking-definition')!;
    expect(marking).toMatchObject({
      id: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
      definition: { tlp: 'amber' },
    });
    for (const o of objects.filter((o) => o.type !== 'marking-definition'))
      expect(o.object_marking_refs).toEqual([marking.id]);
    for (const o of objects) expect(o.spec_version).toBe('2.1');
    const observed = objects.find((o) => o.type === 'observed-data')!;
    expect(observed.number_observed).toBe(3);
    expect((observed.object_refs as string[]).length).toBe(4); // url + 3 entities
    for (const ref of observed.object_refs as string[]) expect(objects.some((o) => o.id === ref)).toBe(true);
    expect(
      objects
        .map((o) => o.id as string)
        .every((id) =>
          /^[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id),
        ),
    ).toBe(true);
    const red = stixBundle([alert], [], { ...ctx, tlp: 'red' });
    expect(
      (red.objects as Array<{ type: string; id: string }>).find((o) => o.type === 'marking-definition')!.id,
    ).toBe('marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed');
  });
});

describe('MISP', () => {
  it('emits btc attributes and btc-wallet objects with the TLP tag', () => {
    const e = mispEvent([alert], [], ctx).Event as Record<string, unknown>;
    const attrs = e.Attribute as Array<Record<string, unknown>>;
    expect(attrs.find((a) => a.type === 'btc')).toMatchObject({
      category: 'Financial fraud',
      value: alert.entities[0]!.value,
      to_ids: false,
    });
    expect(attrs.find((a) => a.type === 'email')!.value).toBe('vendor@example.org');
    expect(attrs.find((a) => a.type === 'url')!.value).toBe(alert.url);
    const objects = e.Object as Array<Record<string, unknown>>;
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({ name: 'btc-wallet', 'meta-category': 'financial' });
    expect((objects[0]!.Attribute as Array<Record<string, unknown>>)[0]).toMatchObject({
      object_relation: 'wallet',
      type: 'btc',
    });
    expect(e.Tag).toEqual([{ name: 'tlp:amber' }]);
    expect(e.threat_level_id).toBe('1');
    expect(JSON.stringify(mispEvent([alert], [], ctx))).toBe(JSON.stringify(mispEvent([alert], [], ctx)));
  });
});

describe('sanitiser of captured pages', () => {
  it('keeps the text and removes everything that runs or loads', () => {
    const out = sanitizeCapturedHtml(hostilePage('http://127.0.0.1:1/c')).replace(/ data-href="[^"]*"/g, '');
    expect(out).toContain('Glock 19 Gen5 for sale');
    expect(out).toContain('css exfiltration');
    expect(out).not.toMatch(
      /<script|<style|<link|<meta|<base|<form|<input|<iframe|<object|<embed|<svg|<video|srcset|javascript:|url\(|\son\w+=/i,
    );
    expect(out).not.toContain('127.0.0.1:1');
  });

  it('keeps harmless inline styles and data: images but drops any other image source', () => {
    expect(sanitizeCapturedHtml('<p style="color: red; font-weight: bold">x</p>')).toBe(
      '<p style="color:red;font-weight:bold">x</p>',
    );
    expect(sanitizeCapturedHtml('<p style="background:url(http://x)">x</p>')).toBe('<p>x</p>');
    expect(sanitizeCapturedHtml('<p style="background:\\75rl(x)">x</p>')).toBe('<p>x</p>');
    expect(sanitizeCapturedHtml('<img src="//evil/x.png">')).toBe('');
    expect(sanitizeCapturedHtml('<img src="data:image/svg+xml;base64,PHN2Zz4=">')).toBe('');
    expect(sanitizeCapturedHtml('<a href="http://evil/">t</a>')).toBe('<a data-href="http://evil/">t</a>');
  });

  it('survives malformed and huge markup', () => {
    const junk = '<div'.repeat(20000) + '<<<>>>&&&\u0000\uFFFF' + '</p>'.repeat(20000);
    expect(() => sanitizeCapturedHtml(junk)).not.toThrow();
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const out = sanitizeCapturedHtml(`<div>${s}</div><img src=x onerror=alert(1)>`);
        return !/\son\w+=|<script/i.test(out.replace(/ data-href="[^"]*"/g, ''));
      }),
      { numRuns: 300 },
    );
  });
});
