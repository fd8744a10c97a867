/**
 * `createSignalServer`: HTTP server with the WebSocket endpoint, `/healthz` and `/metrics`.
 * Never listens on import; `listen()` binds (127.0.0.1 by default), `close()` drains gracefully.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { CloseCode, SessionEndKind, SUBPROTOCOL } from '@pulsemesh/signal';
import { clientAddress, trustedHopsOf } from './client-address.js';
import { AddressSlots } from './address-slots.js';
import { Connection } from './connection.js';
import { Hub } from './hub.js';
import { RejectReason, createMetrics } from './metrics.js';
import type { SignalMetrics } from './metrics.js';
import { resolveServerOptions } from './options.js';
import type { ResolvedOptions, SignalServerOptions } from './options.js';
import { RedisScaleOut } from './scale-out.js';

/** Counters a test or operator can read without scraping `/metrics`. */
export interface SignalServerStats {
  sockets: number;
  rooms: number;
  ips: number;
  draining: boolean;
}

/** A signaling server instance (see `createSignalServer`). */
export interface SignalServer {
  /** Binds and, with Redis, connects. Port 0 picks a free port. Default `0`, `127.0.0.1`. */
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Graceful shutdown: refuse new sockets, close open ones with 1001, wait `drainTimeoutMs`, release Redis. */
  close(): Promise<void>;
  /** Crash simulation for tests: drops every socket and Redis connection without any goodbye. */
  kill(): Promise<void>;
  /** Prometheus registry of this instance (what `/metrics` serves). */
  readonly metrics: Registry;
  readonly instanceId: string;
  readonly log: Logger;
  readonly httpServer: Server;
  stats(): SignalServerStats;
}

/** Creates a signaling server (not listening yet). Throws `RangeError` on invalid options. */
export function createSignalServer(options: SignalServerOptions = {}): SignalServer {
  const o = resolveServerOptions(options, () => randomUUID().slice(0, 8));
  const log = o.logger ?? pino({ level: o.logLevel, base: { instance: o.instanceId } });
  const metrics = createMetrics(o.instanceId, o.logLevel !== 'silent' || options.logger !== undefined);
  const hub = new Hub(o, metrics, log);
  const bus = o.redis
    ? new RedisScaleOut({
        url: o.redis,
        prefix: o.redisPrefix,
        instanceId: o.instanceId,
        instanceTtlMs: o.instanceTtlMs,
        log,
        handlers: hub,
      })
    : undefined;
  if (bus) hub.useScaleOut(bus);

  const hops = trustedHopsOf(o.trustProxy);
  const conns = new Set<Connection>();
  const perIp = new AddressSlots(o.socketsPerIpMax);
  let nextId = 1;
  let draining = false;
  let sweeper: ReturnType<typeof setInterval> | undefined;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.frameBytesMax,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  const http = createServer(
    {
      // Slowloris: headers (of a handshake or any request) must be in within handshakeTimeoutMs.
      headersTimeout: o.handshakeTimeoutMs,
      requestTimeout: o.handshakeTimeoutMs,
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(o.handshakeTimeoutMs / 4))),
    },
    (req, res) => serveHttp(req, res, { metrics, conns, hub, draining: () => draining, o }),
  );
  http.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    const answer = clientErrorAnswer(err.code);
    if (answer === undefined) return void socket.destroy(); // the client reset it: not a refusal
    metrics.rejections.inc({ reason: answer.reason });
    if (socket.writable) socket.end(`HTTP/1.1 ${answer.status}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  });
  // Every 'upgrade' that takes a per-IP slot gives it back when its TCP socket closes, whatever
  // happened in between (refused by `ws`, closed by either side, destroyed).
  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, text: string, reason: RejectReason): void => {
      metrics.rejections.inc({ reason });
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (draining) return refuse(503, 'Service Unavailable', RejectReason.draining);
    if (conns.size >= o.socketsMax) return refuse(503, 'Service Unavailable', RejectReason.socketsMax);
    const origin = req.headers.origin;
    if (o.allowedOrigins && origin !== undefined && !o.allowedOrigins.includes(origin)) {
      return refuse(403, 'Forbidden', RejectReason.origin);
    }
    const client = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], hops);
    if (client.source === 'forwarded-invalid')
      metrics.rejections.inc({ reason: RejectReason.forwardedInvalid });
    const ip = client.key; // every per-IP bound counts an IPv6 client by its /64 (decision 0060)
    const slot = perIp.take(ip); // a reopened socket takes a closed one's slot (decision 0065)
    if (slot === undefined) return refuse(429, 'Too Many Requests', RejectReason.socketsPerIp);
    let upgraded = false;
    socket.once('close', () => {
      perIp.release(ip, slot);
      if (!upgraded) metrics.rejections.inc({ reason: RejectReason.handshakeRefused });
    });
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      upgraded = true;
      const conn = new Connection(nextId++, ws, { ip, slot }, o.messagesPerSecondMax, performance.now());
      conns.add(conn);
      metrics.sockets.set(conns.size);
      ws.on('message', (data, isBinary) => hub.onFrame(conn, data, isBinary));
      ws.on('pong', () => (conn.pingSentMs = undefined));
      ws.on('error', (err: Error & { code?: string }) => {
        if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
          metrics.rejections.inc({ reason: RejectReason.frameTooLarge });
        else if (err.code?.startsWith('WS_ERR_'))
          metrics.rejections.inc({ reason: RejectReason.protocolViolation });
        else log.debug({ err, conn: conn.id }, 'socket error');
      });
      ws.on('close', () => {
        conns.delete(conn);
        metrics.sockets.set(conns.size);
        hub.onClose(conn);
      });
    });
  });

  const sweepIntervalMs = Math.max(
    25,
    Math.min(1000, Math.floor(Math.min(o.idleTimeoutMs, o.pingIntervalMs, o.pingTimeoutMs) / 4)),
  );
  let lastPingRoundMs = performance.now();
  const sweep = (): void => {
    const nowMs = performance.now();
    const pingRound = nowMs - lastPingRoundMs >= o.pingIntervalMs;
    if (pingRound) lastPingRoundMs = nowMs;
    for (const conn of conns) {
      if (nowMs - conn.lastRxMs > o.idleTimeoutMs) {
        metrics.rejections.inc({ reason: RejectReason.idleTimeout });
        conn.endKind = SessionEndKind.timedOut;
        conn.ws.close(CloseCode.idleTimeout, 'idle timeout');
        conn.lastRxMs = Infinity; // closing; do not count twice
      } else if (conn.pingSentMs !== undefined && nowMs - conn.pingSentMs > o.pingTimeoutMs) {
        metrics.rejections.inc({ reason: RejectReason.pingTimeout });
        conn.endKind = SessionEndKind.timedOut;
        conn.ws.terminate();
      } else if (pingRound && conn.pingSentMs === undefined && conn.ws.readyState === 1) {
        conn.pingSentMs = nowMs;
        conn.ws.ping();
      }
    }
  };

  const terminateAll = (): void => {
    for (const conn of conns) conn.ws.terminate();
  };

  return {
    metrics: metrics.registry,
    instanceId: o.instanceId,
    log,
    httpServer: http,
    async listen(port = 0, host = '127.0.0.1') {
      if (bus)
        await bus.start(
          () => void hub.reconcile().catch((err: unknown) => log.warn({ err }, 'sweep failed')),
        );
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          resolve();
        });
      });
      sweeper = setInterval(sweep, sweepIntervalMs);
      sweeper.unref();
      const bound = (http.address() as AddressInfo).port;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      log.info({ host, port: bound, redis: Boolean(bus) }, 'signal server listening');
      return { url: `ws://${urlHost}:${bound}`, port: bound };
    },
    async close() {
      if (draining) return;
      draining = true;
      hub.stopping = true; // the sockets this instance drops are not peers' deaths (decision 0013)
      log.info({ sockets: conns.size }, 'draining');
      const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
      for (const conn of conns) conn.ws.close(CloseCode.goingAway, 'server shutting down');
      const deadline = performance.now() + o.drainTimeoutMs;
      while (conns.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      terminateAll();
      for (const conn of [...conns]) hub.onClose(conn);
      clearInterval(sweeper);
      http.closeAllConnections();
      await httpClosed;
      if (bus) {
        await hub.settled();
        await bus.close();
      }
      log.info('closed');
    },
    async kill() {
      draining = true;
      hub.stopping = true;
      bus?.disconnect();
      clearInterval(sweeper);
      terminateAll();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
    stats() {
      return { sockets: conns.size, rooms: hub.rooms.size, ips: perIp.size, draining };
    },
  };
}

/**
 * How to answer an HTTP-level error of a connection (Node's `clientError`): the status line and the
 * rejection reason, or undefined when the client itself reset the connection (nothing to count).
 */
function clientErrorAnswer(code: string | undefined): { status: string; reason: RejectReason } | undefined {
  if (code === 'ECONNRESET' || code === 'EPIPE') return undefined;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: '408 Request Timeout', reason: RejectReason.handshakeTimeout };
  if (code === 'HPE_HEADER_OVERFLOW')
    return { status: '431 Request Header Fields Too Large', reason: RejectReason.badRequest };
  return { status: '400 Bad Request', reason: RejectReason.badRequest };
}

interface HttpContext {
  metrics: SignalMetrics;
  conns: Set<Connection>;
  hub: Hub;
  draining: () => boolean;
  o: ResolvedOptions;
}

function serveHttp(req: IncomingMessage, res: ServerResponse, ctx: HttpContext): void {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') {
    const body = JSON.stringify({
      status: ctx.draining() ? 'draining' : 'ok',
      instance: ctx.o.instanceId,
      sockets: ctx.conns.size,
      rooms: ctx.hub.rooms.size,
    });
    res.writeHead(ctx.draining() ? 503 : 200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  if (req.method === 'GET' && path === '/metrics') {
    ctx.metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
}
