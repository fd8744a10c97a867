// Browser test support (web-test-runner): the services started by scripts/wtr-services.js, and
// its server commands (sent like @web/test-runner-commands' executeServerCommand does).

/** What `/__services.json` holds. */
export interface TestServices {
  signalUrl: string;
  edgeRoom: string;
  edgePeerId: string;
}

export async function testServices(): Promise<TestServices> {
  const services = (await (await fetch('/__services.json')).json()) as Partial<TestServices>;
  if (!services.signalUrl)
    throw new Error('no signalUrl in /__services.json: is scripts/wtr-services.js loaded?');
  return services as TestServices;
}

interface WtrSocket {
  sendMessageWaitForResponse(message: unknown): Promise<{ executed?: boolean; result?: unknown }>;
}

/** Runs a server command of the test runner's plugins. */
export async function serverCommand(command: string, payload?: unknown): Promise<unknown> {
  const sessionId = new URL(location.href).searchParams.get('wtr-session-id');
  if (!sessionId) throw new Error('not running under web-test-runner');
  const socketModule = '/__web-dev-server__web-socket.js';
  const socket = (await import(/* @vite-ignore */ socketModule)) as WtrSocket;
  const result = await socket.sendMessageWaitForResponse({
    type: 'wtr-command',
    sessionId,
    command,
    payload,
  });
  if (!result.executed) throw new Error(`server command ${command} was not handled`);
  return result.result;
}

/** Hides this test page for real (a tab in front of it) and resolves once it is hidden. */
export async function hidePage(): Promise<void> {
  await serverCommand('pulsemesh-hide-page');
  const start = performance.now();
  while (document.visibilityState !== 'hidden' && performance.now() - start < 5_000)
    await new Promise((r) => setTimeout(r, 20));
  if (document.visibilityState !== 'hidden') throw new Error('page did not become hidden');
}

export async function showPage(): Promise<void> {
  await serverCommand('pulsemesh-show-page');
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Opens another page (a tab of this browser profile) that runs `module` (scripts/wtr-pages.js). */
export async function openPage(module: string, query: Record<string, string>): Promise<string> {
  const { id } = (await serverCommand('pulsemesh-page-open', { module, query })) as { id: string };
  return id;
}

/** Evaluates `expression` in a page opened with {@link openPage}; resolves its (JSON) value. */
export async function evalInPage<T>(id: string, expression: string): Promise<T> {
  return ((await serverCommand('pulsemesh-page-eval', { id, expression })) as { value: T }).value;
}

/** Closes a page opened with {@link openPage}, running its unload handlers if `beforeUnload`. */
export async function closePage(id: string, beforeUnload: boolean): Promise<void> {
  await serverCommand('pulsemesh-page-close', { id, beforeUnload });
}
