// Launches Debian's Chromium through playwright-core (never a downloaded browser) with the flags
// that headless WebRTC over loopback needs here. Playwright gives every launch a fresh profile.
import { chromium, type Browser } from 'playwright-core';
import puppeteer, { type Browser as PuppeteerBrowser } from 'puppeteer-core';

/** Flags for headless Chromium on this machine (see ../shared/NOTES-toolchain.md). */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
];

/** Default flags of the drivers that switch off background throttling; a real browser throttles. */
export const throttlingOffArgs = [
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** Starts headless Chromium from `CHROMIUM_PATH` (default `/usr/bin/chromium`). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: chromiumArgs,
  });
}

/**
 * Starts headless Chromium through puppeteer-core, with background throttling as in a real
 * browser. Only for hiding a page: a second tab brought to front makes the first one really hidden
 * (`visibilityState` 'hidden', timers clamped) under puppeteer, while every page playwright drives
 * stays visible (its own CDP session keeps focus emulation on, which keeps the page shown).
 */
export function launchHidingChromium(): Promise<PuppeteerBrowser> {
  // puppeteer makes a temporary profile and removes it on close.
  return puppeteer.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    ignoreDefaultArgs: throttlingOffArgs,
    args: chromiumArgs,
  });
}
