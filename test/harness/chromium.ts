// Launches Debian's Chromium through playwright-core (never a downloaded browser) with the flags
// that headless WebRTC over loopback needs here. Playwright gives every launch a fresh profile.
import { chromium, type Browser } from 'playwright-core';

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

/** Starts headless Chromium from `CHROMIUM_PATH` (default `/usr/bin/chromium`). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: chromiumArgs,
  });
}
