/**
 * The demo stack: signaling server (in this process), the demo page (Vite) and Node edge peers
 * (child processes), all on 127.0.0.1. `pnpm demo` (`run.ts`) and the end-to-end tests
 * (`test/`) both start it through {@link startStack}.
 */
import { createSignalServer, type SignalServer } from '@pulsemesh/signal-server';
import type { LogLevel } from '@pulsemesh/signal-server';
import { defaultRoom } from '../src/demo-settings.js';
import { EdgePeerProcess, type EdgeEvent } from './edge-process.js';
import { startPageServer, type PageMode, type PageServer } from './page-server.js';
import { startYWebrtcServer, type YWebrtcServer } from './y-webrtc-server.js';

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Signaling port. Default 8787; if taken, any free port. 0: any free port. */
  signalPort?: number;
  /** Page server port. Default 5173 (or the next free one). 0: any free port. */
  pagePort?: number;
  /** `dev` (Vite dev server, default) or `built` (production build + `vite preview`). */
  page?: PageMode;
  /** Room the edge peers join. Default `demo`. */
  room?: string;
  /** Number of edge peers, named `edge-1`, `edge-2`, … Default 2. */
  edgePeers?: number;
  /** Detector overrides for the edge peers. Default: none (the Node default, like the tabs' browser default). */
  config?: Record<string, number>;
  /** Signaling server log level. Default `warn`. */
  logLevel?: LogLevel;
  /** Every edge peer event line (for the terminal). */
  onEdgeEvent?: (id: string, event: EdgeEvent) => void;
  /** Edge peer stderr. Default: written to this process's stderr with an `[id]` prefix. */
  onEdgeStderr?: (id: string, text: string) => void;
}

/** A running stack. */
export interface Stack {
  signalUrl: string;
  /** Page base URL (no query). */
  pageUrl: string;
  room: string;
  /** y-webrtc's own signaling server (for the collaborative-notes page). */
  yWebrtcUrl: string;
  /** URL of the collaborative-notes page (y-webrtc signaling URL set). */
  notesUrl(query?: Record<string, string>): string;
  /** Edge peers started so far (by id), including stopped ones. */
  edges: Map<string, EdgePeerProcess>;
  /** URL of the page for a tab: room, signaling URL and, optionally, a peer id. */
  tabUrl(query?: Record<string, string>): string;
  /** Starts one more edge peer (id default `edge-N`). */
  startEdgePeer(id?: string): EdgePeerProcess;
  /** Stops the signaling server abruptly: every socket dropped at once, as in a crash. */
  killSignal(): Promise<void>;
  /** Starts a new signaling server on the same port (after {@link Stack.killSignal}). */
  startSignal(): Promise<void>;
  /** {@link Stack.killSignal}, wait `downMs` (default 500), {@link Stack.startSignal}. */
  restartSignal(downMs?: number): Promise<void>;
  /** Stops everything: edge peers (SIGTERM, then SIGKILL), page server, signaling server. */
  stop(): Promise<void>;
}

const defaultSignalPort = 8787;
const defaultPagePort = 5173;

/** Starts the stack. On failure, whatever was started is stopped again before the error is thrown. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const room = options.room ?? defaultRoom;
  const config = options.config ?? {};
  const logLevel = options.logLevel ?? 'warn';
  const edges = new Map<string, EdgePeerProcess>();
  let signal: SignalServer | undefined;
  let page: PageServer | undefined;
  let yWebrtc: YWebrtcServer | undefined;

  const stop = async (): Promise<void> => {
    await Promise.all([...edges.values()].map((e) => e.stop()));
    await page?.close();
    await yWebrtc?.stop();
    await signal?.close();
  };

  try {
    const started = await listenSignal(options.signalPort ?? defaultSignalPort, logLevel);
    signal = started.server;
    const signalPort = started.port;
    const signalUrl = started.url;
    yWebrtc = await startYWebrtcServer();
    const yWebrtcUrl = yWebrtc.url;
    process.env['VITE_YWEBRTC_URL'] = yWebrtcUrl;
    page = await startPageServer(options.page ?? 'dev', options.pagePort ?? defaultPagePort, signalUrl);
    const pageUrl = page.url;

    const startEdgePeer = (id = `edge-${edges.size + 1}`): EdgePeerProcess => {
      const edge = EdgePeerProcess.start({
        id,
        signalUrl,
        room,
        config,
        onEvent: (event) => options.onEdgeEvent?.(id, event),
        onStderr: (text) =>
          options.onEdgeStderr
            ? options.onEdgeStderr(id, text)
            : process.stderr.write(text.replace(/^(?=.)/gm, `[${id}] `)),
      });
      edges.set(id, edge);
      return edge;
    };
    for (let i = 0; i < (options.edgePeers ?? 2); i++) startEdgePeer();

    const killSignal = async (): Promise<void> => {
      const running = signal;
      signal = undefined;
      await running?.kill();
    };
    const startSignal = async (): Promise<void> => {
      if (signal) throw new Error('startSignal: the signaling server is already running');
      signal = (await listenSignal(signalPort, logLevel, true)).server;
    };

    return {
      signalUrl,
      pageUrl,
      room,
      yWebrtcUrl,
      notesUrl: (query = {}) => `${pageUrl}notes.html?${new URLSearchParams({ yws: yWebrtcUrl, ...query })}`,
      edges,
      tabUrl: (query = {}) => `${pageUrl}?${new URLSearchParams({ room, signal: signalUrl, ...query })}`,
      startEdgePeer,
      killSignal,
      startSignal,
      restartSignal: async (downMs = 500) => {
        await killSignal();
        await new Promise((r) => setTimeout(r, downMs));
        await startSignal();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Listens on `port`; when it is taken (and not `exact`), on any free port instead. */
async function listenSignal(
  port: number,
  logLevel: LogLevel,
  exact = false,
): Promise<{ server: SignalServer; url: string; port: number }> {
  const server = createSignalServer({ logLevel });
  try {
    return { server, ...(await server.listen(port, '127.0.0.1')) };
  } catch (error) {
    if (exact || port === 0 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    await server.close();
    const fallback = createSignalServer({ logLevel });
    return { server: fallback, ...(await fallback.listen(0, '127.0.0.1')) };
  }
}
