import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MODEL_PATH,
  corpusHash,
  loadShippedModel,
  parseModel,
  serialiseModel,
  trainProductionModel,
} from '../../../extractors/classifier/artefact.js';
import { FEATURE_VERSION } from '../../../extractors/classifier/features.js';

const tmp = mkdtempSync(join(tmpdir(), 'dw-classifier-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('shipped model artefact (rebuild: npx tsx extractors/classifier/artefact.ts)', () => {
  const shipped = parseModel(readFileSync(MODEL_PATH, 'utf8'));

  it('was built from the corpus on disk and the current feature version', () => {
    expect(shipped.corpusSha256).toBe(corpusHash());
    expect(shipped.featureVersion).toBe(FEATURE_VERSION);
    expect(loadShippedModel()).not.toBeNull();
  });

  it('equals what training on the corpus gives now (catches feature changes without a version bump)', () => {
    const fresh = serialiseModel(trainProductionModel(), corpusHash());
    expect(fresh === readFileSync(MODEL_PATH, 'utf8')).toBe(true);
  });

  it('a stale or damaged artefact is ignored, not trusted', () => {
    const text = readFileSync(MODEL_PATH, 'utf8');
    const stale = join(tmp, 'stale.jsonl');
    writeFileSync(stale, text.replace(/"corpusSha256":"[0-9a-f]+"/, `"corpusSha256":"${'0'.repeat(64)}"`));
    expect(loadShippedModel(stale)).toBeNull();
    const damaged = join(tmp, 'damaged.jsonl');
    writeFileSync(damaged, text.slice(0, 5000));
    expect(loadShippedModel(damaged)).toBeNull();
    const binary = join(tmp, 'binary.jsonl');
    writeFileSync(binary, Buffer.from([0, 255, 1, 2, 10, 123]));
    expect(loadShippedModel(binary)).toBeNull();
    expect(loadShippedModel(join(tmp, 'missing.jsonl'))).toBeNull();
  });
});
