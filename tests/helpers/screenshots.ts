// Where the end-to-end tests write their screenshots. The PNGs in docs/screenshots are the
// walkthrough's pictures: `DARKWATCH_UPDATE_SCREENSHOTS=1 npm test` refreshes them. An ordinary test
// run still takes every screenshot (a failing capture fails the test) but writes them to a
// temporary folder, so running the tests never leaves the checkout modified.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DOCS_SCREENSHOTS = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'docs',
  'screenshots',
);

export const SHOTS =
  process.env.DARKWATCH_UPDATE_SCREENSHOTS === '1'
    ? DOCS_SCREENSHOTS
    : path.join(tmpdir(), 'darkwatch-test-screenshots');
mkdirSync(SHOTS, { recursive: true });
