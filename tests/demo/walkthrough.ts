// The analyst's part of docs/walkthrough.md, driven in real Chromium against a running
// `darkwatch demo`: log in, the triage queue, an alert's detail with its evidence, escalation into
// a case, the evidence package export. Writes the screenshots and returns what it saw, for the
// calling test to assert on.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../store/db.js';
import { launchChromium } from '../helpers/chromium.js';

export { SHOTS } from '../helpers/screenshots.js';
import { SHOTS } from '../helpers/screenshots.js';

export interface AnalystWalk {
  queueRows: number;
  alertId: number;
  frameText: string;
  sha256Shown: string;
  sha256Stored: string;
  escalatedStatus: string;
  packageFiles: string[];
  manifestAlerts: number[];
}

export async function analystWalkthrough(
  url: string,
  login: { username: string; password: string },
  db: Db,
): Promise<AnalystWalk> {
  const base = url.replace(/\/$/, '');
  mkdirSync(SHOTS, { recursive: true });
  const browser = await launchChromium();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-walk-'));
  try {
    const context = await browser.newContext({
      viewport: { width: 1360, height: 900 },
      acceptDownloads: true,
    });
    const page = await context.newPage();

    // 1. Log in with the login `darkwatch demo` printed.
    await page.goto(`${base}/login`);
    await page.fill('input[name=username]', login.username);
    await page.fill('input[name=password]', login.password);
    await page.screenshot({ path: path.join(SHOTS, 'walkthrough-analyst-login.png') });
    await Promise.all([page.waitForURL(`${base}/`), page.click('button')]);

    // 2. The triage queue.
    await page.waitForSelector('#queue tbody tr');
    const queueRows = await page.locator('#queue tbody tr').count();
    await page.screenshot({ path: path.join(SHOTS, 'walkthrough-analyst-queue.png') });

    // 3. An alert whose evidence is the listing's own page, preferring one captured in the browser
    // (it has a screenshot too), highest severity first.
    const { rows } = await db.query<{ id: number; sha: string; shot: boolean }>(
      `select a.id::int as id, s.content_sha256 as sha, s.screenshot_sha256 is not null as shot
         from alerts a join snapshots s on s.id = a.snapshot_id
         join listings l on a.subject_type = 'listing' and l.id = a.subject_id and s.url = l.url
        order by s.screenshot_sha256 is null, case a.severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end, a.id
        limit 1`,
    );
    const alertId = rows[0]!.id;
    await page.goto(`${base}/alerts/${alertId}`);
    await page.waitForSelector('#escalate');
    await page.waitForSelector('iframe.evidence-frame');
    await page.screenshot({ path: path.join(SHOTS, 'walkthrough-analyst-alert.png') });

    // 4. The evidence: the sanitised capture in a sandboxed frame, hash, capture time, screenshot.
    const frame = page.frameLocator('iframe.evidence-frame');
    await frame.locator('body').waitFor();
    const frameText = ((await frame.locator('body').textContent({ timeout: 15_000 })) ?? '').trim();
    const sha256Shown = ((await page.locator('#sha256').textContent()) ?? '').trim();
    if (rows[0]!.shot) {
      await page.click('#reveal');
      await page.locator('img.shot.revealed').waitFor();
    }
    const evidence = page.locator('section.panel', { has: page.locator('iframe.evidence-frame') });
    await evidence.scrollIntoViewIfNeeded();
    await evidence.screenshot({ path: path.join(SHOTS, 'walkthrough-analyst-evidence.png') });

    // 5. Escalate into a new case, then export the case's evidence package.
    await page.click('#escalate');
    await page.waitForSelector('a[href^="/cases/"]');
    const escalatedStatus = (
      await db.query<{ status: string }>('select status from alerts where id = $1', [alertId])
    ).rows[0]!.status;
    const caseHref = (await page.locator('a[href^="/cases/"]').first().getAttribute('href'))!;
    await page.goto(`${base}${caseHref}`);
    await page.waitForSelector('#export-package');
    await page.fill(
      '#case-note textarea',
      'Vendor PGP key and Telegram handle noted; checking the other markets for the same key.',
    );
    await page.click('#case-note button');
    await page.waitForSelector('text=checking the other markets');
    await page.screenshot({ path: path.join(SHOTS, 'walkthrough-analyst-case.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-package')]);
    const file = path.join(dir, 'case.zip');
    await download.saveAs(file);
    const packageFiles = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    const manifest = JSON.parse(
      execFileSync('unzip', ['-p', file, 'manifest.json'], { encoding: 'utf8' }),
    ) as { alerts: number[] };
    await context.close();
    return {
      queueRows,
      alertId,
      frameText,
      sha256Shown,
      sha256Stored: rows[0]!.sha,
      escalatedStatus,
      packageFiles,
      manifestAlerts: manifest.alerts,
    };
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
