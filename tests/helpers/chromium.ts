// Chromium for tests, launched the way the crawler launches it (crawler/fetch-browser.ts), so a
// test sees the same switches — no local DNS, WebRTC off, no background traffic.
import { chromium, type Browser, type LaunchOptions } from 'playwright';
import { CHROMIUM_ARGS } from '../../crawler/fetch-browser.js';

/** The Chromium the tests use: CHROMIUM_PATH, else Debian's package (what config defaults to). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The crawler's switches; `proxy` and the like come from the caller. */
export function launchChromium(opts: Omit<LaunchOptions, 'executablePath' | 'args'> = {}): Promise<Browser> {
  return chromium.launch({ ...opts, executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
