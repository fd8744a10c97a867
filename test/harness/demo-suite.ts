// One demo stack (signaling server, built demo page, edge peers) and one Chromium for a test file
// that drives the demo through its UI: started in `beforeAll`, stopped in `afterAll`.
import type { Browser } from 'playwright-core';
import { startStack, type Stack } from '../../apps/demo/stack/stack.js';
import { launchChromium } from './chromium.js';
import type { DemoTab } from './demo-tab.js';

export interface DemoSuite {
  stack: Stack;
  browser: Browser;
}

/** Starts the stack (free loopback ports, `room`, `edgePeers` edge peers) and Chromium. */
export async function startDemoSuite(room: string, edgePeers: number): Promise<DemoSuite> {
  if (process.env['PULSEMESH_NETNS'] !== '1')
    throw new Error('run inside the loopback-only namespace: bash scripts/netns.sh vitest run test/');
  const stack = await startStack({
    page: 'built',
    signalPort: 0,
    pagePort: 0,
    logLevel: 'warn',
    room,
    edgePeers,
  });
  try {
    return { stack, browser: await launchChromium() };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** Closes `tabs`, then the browser and the stack (whatever of them started). */
export async function stopDemoSuite(suite: Partial<DemoSuite>, tabs: Iterable<DemoTab>): Promise<void> {
  for (const t of tabs) await t.dispose();
  await suite.browser?.close();
  await suite.stack?.stop();
}
