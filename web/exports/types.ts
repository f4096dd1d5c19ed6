// What the exporters need to know about alerts and entities: plain data, gathered by the I/O shell
// (web/exports/gather.ts), so that CSV, STIX and MISP output are pure functions of it.
import type { EntityType } from '../../core/types.js';
import type { Tlp } from '../../store/cases.js';

export interface ExportEntity {
  type: EntityType;
  value: string;
}

export interface ExportAlert {
  id: number;
  title: string;
  rule: string;
  ruleVersion: number;
  severity: string;
  status: string;
  category: string | null;
  site: string | null;
  url: string | null;
  vendor: string | null;
  priceEur: number | null;
  terms: string[];
  firstSeenAt: Date;
  lastSeenAt: Date;
  sightings: number;
  entities: ExportEntity[];
}

export interface ExportContext {
  /** Organisation shown as the producer (STIX identity / MISP Orgc). */
  producer: string;
  tlp: Tlp;
  /** Fixed by the caller so the output is reproducible. */
  generatedAt: Date;
  title: string;
}
