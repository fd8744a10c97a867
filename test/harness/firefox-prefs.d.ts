import type { LaunchOptions } from 'puppeteer-core';

/** Prefs for every run: loopback (scripts/netns.sh) and the network lab alike. */
export const firefoxPrefs: Readonly<Record<string, boolean | number | string>>;

/** puppeteer-core launch options for `/usr/bin/firefox-esr` (or `FIREFOX_PATH`) over WebDriver BiDi. */
export function firefoxLaunchOptions(extraPrefs?: Record<string, boolean | number | string>): LaunchOptions;
