// STIX 2.1 bundle for partner agencies. Cyber-observables get deterministic ids (UUIDv5 in the
// STIX namespace over the canonical JSON of their id-contributing properties, STIX 2.1 §2.9), so
// the same wallet or e-mail exported by two agencies has the same id and partners deduplicate.
// Each alert becomes an observed-data object referring to its observables; everything carries
// the TLP marking chosen by the analyst.
import { v5 as uuidv5 } from 'uuid';
import { canonicalJson } from '../../store/audit.js';
import type { Tlp } from '../../store/cases.js';
import type { ExportAlert, ExportContext, ExportEntity } from './types.js';

export const STIX_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';
// Our own namespace for SDOs we derive from darkwatch records (reproducible exports).
const DARKWATCH_NAMESPACE = 'b8f4c9a2-5d1e-5c3b-9a7f-2e6d4c1b0a93';

// The TLP marking definitions predefined by STIX 2.1 (§7.2.1.4). TLP 2.0's CLEAR and
// AMBER+STRICT map to the closest 1.0 level that STIX defines.
const TLP_MARKINGS: Record<'white' | 'green' | 'amber' | 'red', string> = {
  white: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  green: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  amber: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  red: 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed',
};

export function tlpMarking(tlp: Tlp): { id: string; level: keyof typeof TLP_MARKINGS } {
  const level = tlp === 'clear' ? 'white' : tlp === 'amber+strict' ? 'amber' : tlp;
  return { id: TLP_MARKINGS[level], level };
}

export function markingDefinition(tlp: Tlp): Record<string, unknown> {
  const { id, level } = tlpMarking(tlp);
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id,
    created: '2017-01-20T00:00:00.000Z',
    definition_type: 'tlp',
    name: `TLP:${level.toUpperCase()}`,
    definition: { tlp: level },
  };
}

/** A deterministic SCO id: `type--uuidv5(canonical JSON of the id-contributing properties)`. */
export function scoId(type: string, contributing: Record<string, unknown>): string {
  return `${type}--${uuidv5(canonicalJson(contributing), STIX_NAMESPACE)}`;
}

function stixTime(d: Date): string {
  return d.toISOString();
}

const CRYPTO: Partial<Record<ExportEntity['type'], string>> = {
  btc: 'bitcoin',
  xmr: 'monero',
  eth: 'ethereum',
};
const ACCOUNTS: Partial<Record<ExportEntity['type'], string>> = {
  telegram: 'telegram',
  session: 'session',
  wickr: 'wickr',
  jabber: 'jabber',
};

/** The SCO for one entity (core types where STIX has one, `x-` custom observables where it does not). */
export function entityObservable(e: ExportEntity, markingRef: string): Record<string, unknown> {
  const base = { spec_version: '2.1', object_marking_refs: [markingRef] };
  switch (e.type) {
    case 'email':
      return { type: 'email-addr', id: scoId('email-addr', { value: e.value }), value: e.value, ...base };
    case 'onion': {
      const host = e.value
        .replace(/^[a-z]+:\/\//i, '')
        .split('/')[0]!
        .toLowerCase();
      return { type: 'domain-name', id: scoId('domain-name', { value: host }), value: host, ...base };
    }
    case 'btc':
    case 'xmr':
    case 'eth':
      return {
        type: 'x-cryptocurrency-wallet',
        id: scoId('x-cryptocurrency-wallet', { address: e.value, currency: CRYPTO[e.type] }),
        address: e.value,
        currency: CRYPTO[e.type],
        ...base,
      };
    case 'pgp':
      return {
        type: 'x-pgp-key',
        id: scoId('x-pgp-key', { fingerprint: e.value }),
        fingerprint: e.value,
        ...base,
      };
    case 'phone':
      return {
        type: 'x-phone-number',
        id: scoId('x-phone-number', { value: e.value }),
        value: e.value,
        ...base,
      };
    default: {
      const accountType = ACCOUNTS[e.type] ?? e.type;
      return {
        type: 'user-account',
        id: scoId('user-account', { account_type: accountType, account_login: e.value }),
        account_type: accountType,
        account_login: e.value,
        ...base,
      };
    }
  }
}

export function stixBundle(
  alerts: ExportAlert[],
  extraEntities: ExportEntity[],
  ctx: ExportContext,
): Record<string, unknown> {
  const marking = markingDefinition(ctx.tlp);
  const markingRef = marking.id as string;
  const identityId = `identity--${uuidv5(`identity:${ctx.producer}`, DARKWATCH_NAMESPACE)}`;
  const created = stixTime(ctx.generatedAt);
  const identity = {
    type: 'identity',
    spec_version: '2.1',
    id: identityId,
    created,
    modified: created,
    name: ctx.producer,
    identity_class: 'organization',
    object_marking_refs: [markingRef],
  };
  const observables = new Map<string, Record<string, unknown>>();
  const add = (o: Record<string, unknown>) => {
    observables.set(o.id as string, o);
    return o.id as string;
  };
  const observed = alerts.map((a) => {
    const refs = a.entities.map((e) => add(entityObservable(e, markingRef)));
    if (a.url)
      refs.unshift(
        add({
          type: 'url',
          spec_version: '2.1',
          id: scoId('url', { value: a.url }),
          value: a.url,
          object_marking_refs: [markingRef],
        }),
      );
    if (refs.length === 0) return null; // observed-data needs at least one observable
    return {
      type: 'observed-data',
      spec_version: '2.1',
      id: `observed-data--${uuidv5(`alert:${a.id}:${stixTime(a.lastSeenAt)}`, DARKWATCH_NAMESPACE)}`,
      created_by_ref: identityId,
      created: stixTime(a.firstSeenAt),
      modified: stixTime(a.lastSeenAt),
      first_observed: stixTime(a.firstSeenAt),
      last_observed: stixTime(a.lastSeenAt),
      number_observed: Math.max(1, a.sightings),
      object_refs: [...new Set(refs)],
      labels: [a.category ?? 'uncategorised', `severity:${a.severity}`],
      object_marking_refs: [markingRef],
      x_darkwatch_alert: {
        id: a.id,
        title: a.title,
        rule: a.rule,
        rule_version: a.ruleVersion,
        status: a.status,
        site: a.site,
        terms: a.terms,
      },
    };
  });
  for (const e of extraEntities) add(entityObservable(e, markingRef));
  const objects = [
    marking,
    identity,
    ...[...observables.values()].sort((x, y) => String(x.id).localeCompare(String(y.id))),
    ...observed.filter((o) => o !== null),
  ];
  return {
    type: 'bundle',
    id: `bundle--${uuidv5(objects.map((o) => o.id).join('\n'), DARKWATCH_NAMESPACE)}`,
    objects,
  };
}
