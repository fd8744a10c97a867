import type { Server } from 'node:http';
import { WebSocket } from 'ws';
import type { DetectorConfig, DetectorEventMap } from '@pulsemesh/core';
import {
  createMesh,
  DurableHistory,
  memoryHistoryBackend,
  type LinkReport,
  type Mesh,
  type MeshOptions,
} from '@pulsemesh/webrtc';
import { fileHistoryBackend } from '@pulsemesh/webrtc/history-file';
import { loadFileIdentity } from '@pulsemesh/webrtc/identity-file';
import type { EdgePeerArgs } from './args.js';
import type { EdgeMetrics } from './metrics.js';
import { peerEvidence } from './peer-evidence.js';
import { watchPeerViews } from './peer-view.js';
import { frame, renderView } from './terminal-view.js';

/** Events printed in `--json` mode (one line each); `status-change` lines also carry `view`. */
const jsonEvents = [
  'join',
  'leave',
  'interval-change',
  'health-change',
  'local-health-change',
  'reap',
  'evict',
  'decode-error',
  'signal-state',
  'link',
] as const;

/** Where the edge peer writes. */
export interface EdgePeerOutput {
  write(text: string): void;
  /** True when the output is a terminal (the live view redraws in place). */
  isTTY: boolean;
}

/** A running edge peer. */
export interface EdgePeer {
  mesh: Mesh;
  /** What this peer saw (kept in `--history-file` when given). */
  history: DurableHistory;
  /** Port of `/metrics` and `/healthz`, when enabled. */
  metricsPort: number | undefined;
  /** Graceful stop: leave, close every link, write the history, stop the metrics server. */
  stop(): Promise<void>;
}

/** View refresh and RTT sampling period (ms). */
const refreshMs = 500;

/** Starts an edge peer from parsed arguments. */
export async function startEdgePeer(args: EdgePeerArgs, out: EdgePeerOutput): Promise<EdgePeer> {
  const config: Partial<DetectorConfig> = { ...(args.config as Partial<DetectorConfig>) };
  if (args.probeIntervalMs !== undefined) config.probeIntervalMs = args.probeIntervalMs;
  if (args.probeIntervalMsMin !== undefined) config.probeIntervalMsMin = args.probeIntervalMsMin;
  if (args.probeIntervalMsMax !== undefined) config.probeIntervalMsMax = args.probeIntervalMsMax;
  if (args.probeTimeoutMsMax !== undefined) config.probeTimeoutMsMax = args.probeTimeoutMsMax;
  if (args.suspicionMult !== undefined) config.suspicionMult = args.suspicionMult;
  const options: MeshOptions = {
    signalUrl: args.signal,
    room: args.room,
    preset: args.preset,
    config,
    iceServers: args.iceServers.map((urls) => ({ urls })),
    WebSocket: WebSocket as unknown as NonNullable<MeshOptions['WebSocket']>,
    pageLifecycle: false,
    clock: 'timers',
  };
  if (args.id !== undefined) options.peerId = args.id;
  if (args.identityFile !== undefined) options.identity = loadFileIdentity(args.identityFile);
  if (args.token !== undefined) options.token = args.token;
  if (args.bindAddress !== undefined) options.bindAddress = args.bindAddress;
  if (args.maxConnections !== undefined) options.maxConnections = args.maxConnections;
  const history = await DurableHistory.open(
    args.historyFile === undefined ? memoryHistoryBackend() : fileHistoryBackend(args.historyFile),
  );
  // A restarted peer resumes above its last incarnation: the others see it return (decision 0018).
  options.incarnation = history.startIncarnation;
  const mesh = createMesh(options);
  history.attach(mesh);
  // prom-client and its default collectors (an event-loop-delay monitor that wakes the loop every
  // 10 ms, GC observers) load only with --metrics-port: a peer nobody scrapes pays none of it.
  let metrics: EdgeMetrics | undefined;
  let server: Server | undefined;
  let metricsPort: number | undefined;
  if (args.metricsPort !== undefined) {
    const { EdgeMetrics } = await import('./metrics.js');
    metrics = new EdgeMetrics(mesh, history);
    const bound = await metrics.listen(args.metricsPort, args.metricsHost);
    server = bound.server;
    metricsPort = bound.port;
  }
  const started = Date.now();
  const jsonLine = (type: string, detail: object): void =>
    out.write(`${JSON.stringify({ ts: new Date().toISOString(), self: mesh.localId, type, ...detail })}\n`);
  if (args.json) {
    jsonLine('start', { room: args.room, signal: args.signal, metricsPort });
    // `to` is the detector's verdict; `view` what the views show (`unreachable`: failed, but its
    // signaling session is open), and `view-change` when only the latter changes.
    const views = watchPeerViews(mesh, (change) => jsonLine('view-change', change));
    // Both carry what this peer knew of the other then (`peerEvidence`): why a verdict came when it did.
    mesh.addEventListener('status-change', (e) => {
      const detail = (e as CustomEvent<DetectorEventMap['status-change']>).detail;
      const evidence = peerEvidence(mesh, detail.peer);
      jsonLine('status-change', { ...detail, view: views.viewOnStatus(detail), evidence });
    });
    mesh.addEventListener('presence', (e) => {
      const detail = (e as CustomEvent<{ peer: string; present: boolean }>).detail;
      jsonLine(
        'presence',
        detail.present ? detail : { ...detail, evidence: peerEvidence(mesh, detail.peer) },
      );
    });
    for (const type of jsonEvents)
      mesh.addEventListener(type, (e) => jsonLine(type, (e as CustomEvent<object>).detail));
  }
  let links = new Map<string, LinkReport>();
  let reading = false;
  let firstFrame = true;
  const draw = (): void => {
    if (!reading) {
      reading = true;
      void mesh.linkReports().then((reports) => {
        links = new Map(reports.map((r) => [r.peer, r]));
        reading = false;
      });
    }
    const lines = renderView({
      id: mesh.localId,
      room: args.room,
      signal: mesh.signalState(),
      health: mesh.health(),
      localHealthScore: mesh.localHealthScore(),
      protocolPeriodMs: mesh.protocolPeriodMs(),
      timerLateMs: mesh.timerLateness().averageMs,
      peers: mesh.peers(),
      links,
      signalPresent: (peer) => mesh.signalPresent(peer),
      nowMs: mesh.nowMs(),
    });
    out.write(out.isTTY ? `${firstFrame ? '\x1b[2J' : ''}${frame(lines)}` : `${lines.join('\n')}\n\n`);
    firstFrame = false;
  };
  // Not a TTY: print a snapshot every 10th refresh rather than flooding a log. In --json mode
  // without metrics there is nothing to refresh, so no timer at all.
  const drawEvery = out.isTTY ? 1 : 10;
  let count = 0;
  const timer =
    args.json && metrics === undefined
      ? undefined
      : setInterval(() => {
          metrics?.sampleRtt();
          if (!args.json && count++ % drawEvery === 0) draw();
        }, refreshMs);
  let stopping: Promise<void> | undefined;
  return {
    mesh,
    history,
    metricsPort,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        await mesh.leave();
        await history.close();
        if (args.json) jsonLine('stop', { uptimeMs: Date.now() - started });
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      })();
      return stopping;
    },
  };
}
