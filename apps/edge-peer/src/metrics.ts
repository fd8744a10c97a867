import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DetectorEventMap } from '@pulsemesh/core';
import type { DurableHistory, Mesh } from '@pulsemesh/webrtc';
import { historyRoute } from './history-routes.js';
import { peerView } from './peer-view.js';

/** Prometheus metrics of one edge peer (own registry, not the global one). */
export class EdgeMetrics {
  readonly registry = new Registry();
  readonly detections: Counter<'event' | 'to'>;
  readonly rtt: Histogram<never>;

  readonly mesh: Mesh;
  readonly history: DurableHistory | undefined;

  constructor(mesh: Mesh, history?: DurableHistory) {
    this.mesh = mesh;
    this.history = history;
    const registers = [this.registry];
    new Gauge({
      name: 'pulsemesh_peers',
      help: 'Known peers by state, as this peer sees them (self not included).',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = { healthy: 0, suspected: 0, failed: 0, recovering: 0, left: 0 };
        for (const p of mesh.peers()) counts[p.state] += 1;
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'pulsemesh_peers_unreachable',
      help: 'Failed peers whose signaling session is still open: alive, no path from here (also counted in pulsemesh_peers{state="failed"}).',
      registers,
      collect() {
        this.set(unreachable(mesh));
      },
    });
    this.detections = new Counter({
      name: 'pulsemesh_detection_events_total',
      help: 'Detector events: status changes (by target state), joins and leaves.',
      labelNames: ['event', 'to'],
      registers,
    });
    this.rtt = new Histogram({
      name: 'pulsemesh_rtt_ms',
      help: 'Probe round-trip time (ms): every peer’s smoothed detector RTT, sampled once a second.',
      buckets: [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    });
    new Counter({
      name: 'pulsemesh_bytes_sent_total',
      help: 'Detector bytes sent to all peers.',
      registers,
      collect() {
        let total = 0;
        for (const p of mesh.peers()) total += p.link.bytesSent;
        this.reset();
        this.inc(total);
      },
    });
    new Gauge({
      name: 'pulsemesh_links',
      help: 'Open WebRTC links.',
      registers,
      collect() {
        this.set([...mesh.transport.linkedPeers()].length);
      },
    });
    new Gauge({
      name: 'pulsemesh_links_by_path',
      help: 'Open WebRTC links by network path (kind: host, prflx, srflx, relay; protocol: udp, tcp, or tls/tcp to TURN).',
      labelNames: ['kind', 'protocol'],
      registers,
      collect() {
        this.reset();
        for (const peer of mesh.transport.linkedPeers()) {
          const path = mesh.linkPath(peer);
          if (path) this.inc({ kind: path.kind, protocol: path.relayProtocol ?? path.protocol });
        }
      },
    });
    new Counter({
      name: 'pulsemesh_member_input_refused_total',
      help: 'What members sent past their budgets (decisions 0050, 0056): pings not answered, links not built or displaced, extra data channels closed, ping-reqs refused.',
      labelNames: ['kind'],
      registers,
      collect() {
        const { sessionsRefused, channelsRefused, unheardLinksDisplaced } = mesh.transport.manager.counters;
        const { relayJobsRefused, pingReqsToSelf } = mesh.detector.stats();
        this.reset();
        this.inc({ kind: 'ping-throttled' }, mesh.pingBudget.counters.pingsThrottled);
        this.inc({ kind: 'session-refused' }, sessionsRefused);
        this.inc({ kind: 'channel-refused' }, channelsRefused);
        this.inc({ kind: 'link-displaced' }, unheardLinksDisplaced);
        this.inc({ kind: 'relay-job-refused' }, relayJobsRefused);
        this.inc({ kind: 'ping-req-to-self' }, pingReqsToSelf);
      },
    });
    new Gauge({
      name: 'pulsemesh_signal_connected',
      help: '1 while the signaling connection is up.',
      registers,
      collect() {
        this.set(mesh.signalState() === 'connected' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'pulsemesh_local_health_score',
      help: 'Lifeguard local health score (0 = healthy).',
      registers,
      collect() {
        this.set(mesh.localHealthScore());
      },
    });
    new Gauge({
      name: 'pulsemesh_protocol_period_ms',
      help: 'Current adaptive protocol period (ms).',
      registers,
      collect() {
        this.set(mesh.protocolPeriodMs());
      },
    });
    collectDefaultMetrics({ register: this.registry });
    mesh.addEventListener('status-change', (e) => {
      const { to } = (e as CustomEvent<DetectorEventMap['status-change']>).detail;
      this.detections.inc({ event: 'status-change', to });
    });
    mesh.addEventListener('join', () => this.detections.inc({ event: 'join', to: '' }));
    mesh.addEventListener('leave', () => this.detections.inc({ event: 'leave', to: '' }));
  }

  /** Records every direct peer's smoothed RTT (called once a second). */
  sampleRtt(): void {
    for (const p of this.mesh.peers())
      if (p.direct && p.link.rttMs !== undefined) this.rtt.observe(p.link.rttMs);
  }

  /** Serves `/metrics`, `/healthz` and the history routes (`history-routes.ts`); resolves with the bound port. */
  async listen(port: number, host: string): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
      const reply = this.history && historyRoute(this.history, path, new URLSearchParams(query));
      if (reply) {
        res.writeHead(reply.status, { 'content-type': reply.type });
        res.end(reply.body);
        return;
      }
      if (path === '/metrics') {
        this.registry.metrics().then(
          (body) => {
            res.writeHead(200, { 'content-type': this.registry.contentType });
            res.end(body);
          },
          (err: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(`metrics failed: ${String(err)}\n`);
          },
        );
        return;
      }
      if (path === '/healthz') {
        const ok = this.mesh.status === 'running';
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            status: ok ? 'ok' : this.mesh.status,
            id: this.mesh.localId,
            signal: this.mesh.signalState(),
            links: [...this.mesh.transport.linkedPeers()].length,
            tier: this.mesh.health().tier,
            unreachable: unreachable(this.mesh),
          }) + '\n',
        );
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    return { server, port: typeof address === 'object' && address ? address.port : port };
  }
}

/** Failed peers whose signaling session is open (`peerView` → `unreachable`). */
function unreachable(mesh: Mesh): number {
  return mesh.peers().filter((p) => peerView(p.state, mesh.signalPresent(p.id)) === 'unreachable').length;
}
