// MISP event JSON (the format MISP imports with "Add event from JSON"). Crypto addresses become
// attributes of their MISP type (btc, xmr) and, for Bitcoin, a btc-wallet object as well; other
// entities map to the closest MISP attribute type. UUIDs are derived from the content, so
// exporting the same alerts twice gives the same event.
import { v5 as uuidv5 } from 'uuid';
import type { ExportAlert, ExportContext, ExportEntity } from './types.js';

const NAMESPACE = '4a1c7f3e-9b2d-5e8a-b6c4-1d0f2a3b4c5d';

const ATTRIBUTE: Record<ExportEntity['type'], { type: string; category: string }> = {
  btc: { type: 'btc', category: 'Financial fraud' },
  xmr: { type: 'xmr', category: 'Financial fraud' },
  eth: { type: 'text', category: 'Financial fraud' },
  pgp: { type: 'text', category: 'Social network' },
  email: { type: 'email', category: 'Social network' },
  onion: { type: 'domain', category: 'Network activity' },
  telegram: { type: 'text', category: 'Social network' },
  session: { type: 'text', category: 'Social network' },
  wickr: { type: 'text', category: 'Social network' },
  jabber: { type: 'jabber-id', category: 'Social network' },
  phone: { type: 'phone-number', category: 'Person' },
};

const THREAT_LEVEL: Record<string, string> = { critical: '1', high: '1', medium: '2', low: '3' };

function uuid(key: string): string {
  return uuidv5(key, NAMESPACE);
}

function unix(d: Date): string {
  return String(Math.floor(d.getTime() / 1000));
}

export function mispEvent(
  alerts: ExportAlert[],
  extraEntities: ExportEntity[],
  ctx: ExportContext,
): Record<string, unknown> {
  const entities = new Map<string, ExportEntity & { alerts: number[] }>();
  const note = (e: ExportEntity, alertId: number | null) => {
    const key = `${e.type}:${e.value}`;
    const seen = entities.get(key) ?? { ...e, alerts: [] };
    if (alertId !== null) seen.alerts.push(alertId);
    entities.set(key, seen);
  };
  for (const a of alerts) for (const e of a.entities) note(e, a.id);
  for (const e of extraEntities) note(e, null);
  const ts = unix(ctx.generatedAt);
  const sorted = [...entities.values()].sort((x, y) =>
    `${x.type}:${x.value}`.localeCompare(`${y.type}:${y.value}`),
  );
  const attributes = sorted.map((e) => ({
    uuid: uuid(`attr:${e.type}:${e.value}`),
    type: ATTRIBUTE[e.type].type,
    category: ATTRIBUTE[e.type].category,
    value: e.value,
    to_ids: false,
    timestamp: ts,
    comment: `${e.type}${e.alerts.length ? `; alerts ${e.alerts.join(', ')}` : ''}`,
  }));
  for (const a of alerts) {
    if (a.url) {
      attributes.push({
        uuid: uuid(`url:${a.url}`),
        type: 'url',
        category: 'Network activity',
        value: a.url,
        to_ids: false,
        timestamp: ts,
        comment: `alert ${a.id}: ${a.title}`.slice(0, 500),
      });
    }
  }
  const objects = sorted
    .filter((e) => e.type === 'btc')
    .map((e) => ({
      name: 'btc-wallet',
      'meta-category': 'financial',
      description: 'A Bitcoin wallet',
      uuid: uuid(`btc-wallet:${e.value}`),
      timestamp: ts,
      Attribute: [
        {
          uuid: uuid(`btc-wallet-attr:${e.value}`),
          object_relation: 'wallet',
          type: 'btc',
          category: 'Financial fraud',
          value: e.value,
          to_ids: false,
          timestamp: ts,
        },
      ],
    }));
  const worst = alerts.reduce((m, a) => Math.min(m, Number(THREAT_LEVEL[a.severity] ?? '4')), 4);
  return {
    Event: {
      uuid: uuid(`event:${ctx.title}:${alerts.map((a) => a.id).join(',')}`),
      info: ctx.title,
      date: ctx.generatedAt.toISOString().slice(0, 10),
      timestamp: ts,
      threat_level_id: String(worst),
      analysis: '1',
      distribution: '0',
      published: false,
      Orgc: { name: ctx.producer },
      Tag: [{ name: `tlp:${ctx.tlp}` }],
      Attribute: attributes,
      Object: objects,
    },
  };
}
