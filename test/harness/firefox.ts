// Launches Debian's firefox-esr through puppeteer-core over WebDriver BiDi (never a downloaded
// browser), with the prefs WebRTC needs here (`firefox-prefs.js`; why each: test/README.md).
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import { firefoxLaunchOptions } from './firefox-prefs.js';

/** Starts headless firefox-esr from `FIREFOX_PATH` (default `/usr/bin/firefox-esr`). */
export function launchFirefox(extraPrefs: Record<string, boolean | number | string> = {}): Promise<Browser> {
  // puppeteer makes a temporary profile (prefs in its user.js) and removes it on close.
  return puppeteer.launch(firefoxLaunchOptions(extraPrefs));
}

/**
 * Opens a page in a window of its own (in a fresh user context when `context` is given): Firefox
 * keeps every tab of one window but the front one hidden, and a hidden page's timers are clamped.
 */
export async function openFirefoxPage(owner: Browser | BrowserContext, url: string): Promise<Page> {
  const page = await owner.newPage({ type: 'window' });
  await page.goto(url);
  return page;
}
