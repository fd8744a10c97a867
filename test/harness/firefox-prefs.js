// Preferences Debian's firefox-esr needs for WebRTC in tests, shared by the web-test-runner config
// (plain Node, hence JavaScript) and test/harness/firefox.ts. Why each one: test/README.md.

/** Prefs for every run: loopback (scripts/netns.sh) and the network lab alike. */
export const firefoxPrefs = {
  // nICEr skips 127.0.0.1/::1 unless told; the loopback-only namespace has nothing else.
  'media.peerconnection.ice.loopback': true,
  // Host candidates as IP addresses, not mDNS `<uuid>.local` names: no mDNS responder answers
  // inside a namespace, so the far side could never resolve them (a real LAN has one).
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  // Not asked for by anything here, but a stray getUserMedia must not hang on a prompt.
  'media.navigator.permission.disabled': true,
  'media.navigator.streams.fake': true,
};

/** puppeteer-core launch options for `/usr/bin/firefox-esr` (or `FIREFOX_PATH`) over WebDriver BiDi. */
export function firefoxLaunchOptions(extraPrefs = {}) {
  return {
    browser: 'firefox',
    executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
    headless: true,
    extraPrefsFirefox: { ...firefoxPrefs, ...extraPrefs },
  };
}
