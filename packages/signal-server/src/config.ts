/**
 * Command line and environment → `SignalServerOptions`. Every option has a flag and an env var;
 * flags win over env vars, env vars over defaults.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SERVER_OPTIONS } from './server/index.js';
import type { LogLevel, SignalServerOptions } from './server/index.js';

/** One configurable setting: flag name, env var, help text. */
interface Setting {
  flag: string;
  env: string;
  kind: 'int' | 'string' | 'list' | 'bool';
  help: string;
  key?: keyof SignalServerOptions;
}

const S = (flag: string, kind: Setting['kind'], help: string, key?: keyof SignalServerOptions): Setting => ({
  flag,
  env: `PULSEMESH_SIGNAL_${flag.toUpperCase().replaceAll('-', '_')}`,
  kind,
  help,
  ...(key ? { key } : {}),
});

const d = DEFAULT_SERVER_OPTIONS;
/** Every setting the CLI knows. */
export const SETTINGS: readonly Setting[] = [
  S('host', 'string', 'address to bind (default 127.0.0.1; 0.0.0.0 only behind a TLS proxy)'),
  S('port', 'int', 'port to listen on (default 8787; 0 = any free port)'),
  S('redis', 'string', 'redis://host:port/db to share rooms between instances (default: in memory)', 'redis'),
  S('redis-prefix', 'string', `key and channel prefix in Redis (default ${d.redisPrefix})`, 'redisPrefix'),
  S(
    'token-secret',
    'string',
    'HS256 secret (>= 32 bytes) for join tokens; unset = open server',
    'tokenSecret',
  ),
  S(
    'turn-secret',
    'string',
    "coturn's static-auth-secret: hand each peer TURN REST credentials (see README)",
  ),
  S('turn-urls', 'list', 'comma-separated STUN/TURN URLs handed out with those credentials'),
  S('turn-ttl-seconds', 'int', 'lifetime of a minted TURN credential (default 86400)'),
  S(
    'turn-renew-seconds',
    'int',
    'send joined peers fresh TURN credentials this often (default: half the lifetime)',
  ),
  S('allowed-origins', 'list', 'comma-separated Origin allow-list (default: any)', 'allowedOrigins'),
  S(
    'trust-proxy',
    'bool',
    'behind one proxy that appends to X-Forwarded-For: count the address it appended (the last)',
    'trustProxy',
  ),
  S(
    'trust-proxy-hops',
    'int',
    'that many appending proxies in front: count the entry that many from the right (1-16)',
  ),
  S(
    'frame-bytes-max',
    'int',
    `largest frame, bytes; bigger closes with 1009 (default ${d.frameBytesMax})`,
    'frameBytesMax',
  ),
  S(
    'rooms-per-socket-max',
    'int',
    `rooms one socket may join (default ${d.roomsPerSocketMax})`,
    'roomsPerSocketMax',
  ),
  S('peers-per-room-max', 'int', `peers in one room (default ${d.peersPerRoomMax})`, 'peersPerRoomMax'),
  S('sockets-per-ip-max', 'int', `sockets from one IP (default ${d.socketsPerIpMax})`, 'socketsPerIpMax'),
  S('sockets-max', 'int', `sockets in total (default ${d.socketsMax})`, 'socketsMax'),
  S(
    'messages-per-second-max',
    'int',
    `frames/s per socket (default ${d.messagesPerSecondMax})`,
    'messagesPerSecondMax',
  ),
  S(
    'relay-bytes-per-second-max',
    'int',
    `relay bytes/s from one member to one other (default ${d.relayBytesPerSecondMax})`,
    'relayBytesPerSecondMax',
  ),
  S(
    'joins-per-ip-per-second-max',
    'int',
    `joins/s from one IP address (default ${d.joinsPerIpPerSecondMax})`,
    'joinsPerIpPerSecondMax',
  ),
  S(
    'handshake-timeout-ms',
    'int',
    `close connections whose request headers are not in by then (default ${d.handshakeTimeoutMs})`,
    'handshakeTimeoutMs',
  ),
  S('idle-timeout-ms', 'int', `close sockets silent this long (default ${d.idleTimeoutMs})`, 'idleTimeoutMs'),
  S('ping-interval-ms', 'int', `WebSocket ping interval (default ${d.pingIntervalMs})`, 'pingIntervalMs'),
  S(
    'ping-timeout-ms',
    'int',
    `unanswered ping terminates after (default ${d.pingTimeoutMs})`,
    'pingTimeoutMs',
  ),
  S(
    'send-buffer-bytes-max',
    'int',
    `drop relays to sockets backed up past, close sockets past 2x (default ${d.sendBufferBytesMax})`,
    'sendBufferBytesMax',
  ),
  S('drain-timeout-ms', 'int', `graceful shutdown wait (default ${d.drainTimeoutMs})`, 'drainTimeoutMs'),
  S('instance-ttl-ms', 'int', `liveness key TTL in Redis (default ${d.instanceTtlMs})`, 'instanceTtlMs'),
  S('instance-id', 'string', 'instance id in logs and Redis (default random)', 'instanceId'),
  S('log-level', 'string', `fatal|error|warn|info|debug|trace|silent (default ${d.logLevel})`, 'logLevel'),
];

/** What the CLI should do. */
export type Command =
  | { kind: 'help' }
  | { kind: 'serve'; host: string; port: number; options: SignalServerOptions }
  | { kind: 'mint-token'; secret: string; room: string; ttlSeconds: number; peer?: string };

/** Named error for bad command lines (the CLI prints it and exits 2). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function convert(s: Setting, raw: string | boolean): unknown {
  if (s.kind === 'bool') return raw === true || raw === 'true' || raw === '1';
  const text = String(raw);
  if (s.kind === 'list')
    return text
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  if (s.kind === 'int') {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new ConfigError(`--${s.flag}: not a non-negative integer: ${text}`);
    return n;
  }
  return text;
}

/** Parses argv (without `node script`) and env into a command. Throws `ConfigError`. */
export function parseCommand(argv: readonly string[], env: Record<string, string | undefined>): Command {
  const options = Object.fromEntries(
    SETTINGS.map((s) => [s.flag, { type: s.kind === 'bool' ? ('boolean' as const) : ('string' as const) }]),
  );
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        ...options,
        help: { type: 'boolean', short: 'h' },
        room: { type: 'string' },
        ttl: { type: 'string' },
        peer: { type: 'string' },
      },
    });
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const value = (s: Setting): unknown => {
    const raw = (values as Record<string, string | boolean | undefined>)[s.flag] ?? env[s.env];
    return raw === undefined ? undefined : convert(s, raw);
  };
  const byFlag = (flag: string): Setting => SETTINGS.find((s) => s.flag === flag) as Setting;
  if (positionals[0] === 'mint-token') {
    const secret = value(byFlag('token-secret')) as string | undefined;
    if (!secret) throw new ConfigError('mint-token needs --token-secret or PULSEMESH_SIGNAL_TOKEN_SECRET');
    if (!values.room) throw new ConfigError('mint-token needs --room');
    const ttlSeconds = values.ttl === undefined ? 3600 : Number(values.ttl);
    if (!Number.isSafeInteger(ttlSeconds)) throw new ConfigError('--ttl: not an integer');
    return {
      kind: 'mint-token',
      secret,
      room: values.room,
      ttlSeconds,
      ...(values.peer ? { peer: values.peer } : {}),
    };
  }
  if (positionals.length > 0) throw new ConfigError(`unknown command: ${positionals[0]}`);
  const serverOptions: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const v = value(s);
    if (s.key && v !== undefined) serverOptions[s.key] = v;
  }
  const turnSecret = value(byFlag('turn-secret')) as string | undefined;
  const turnUrls = value(byFlag('turn-urls')) as string[] | undefined;
  const turnTtl = value(byFlag('turn-ttl-seconds')) as number | undefined;
  const turnRenew = value(byFlag('turn-renew-seconds')) as number | undefined;
  if ((turnSecret === undefined) !== (turnUrls === undefined))
    throw new ConfigError('--turn-secret and --turn-urls go together');
  if (turnSecret !== undefined && turnUrls !== undefined)
    serverOptions['turn'] = {
      secret: turnSecret,
      urls: turnUrls,
      ...(turnTtl ? { ttlSeconds: turnTtl } : {}),
      ...(turnRenew ? { renewAfterSeconds: turnRenew } : {}),
    };
  const hops = value(byFlag('trust-proxy-hops')) as number | undefined;
  if (hops !== undefined) {
    if (hops < 1 || hops > 16) throw new ConfigError(`--trust-proxy-hops: 1..16, got ${hops}`);
    serverOptions['trustProxy'] = hops;
  }
  const level = serverOptions['logLevel'];
  if (
    level !== undefined &&
    !['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level as string)
  ) {
    throw new ConfigError(`--log-level: unknown level ${String(level)}`);
  }
  return {
    kind: 'serve',
    host: (value(byFlag('host')) as string | undefined) ?? '127.0.0.1',
    port: (value(byFlag('port')) as number | undefined) ?? 8787,
    options: serverOptions as SignalServerOptions & { logLevel?: LogLevel },
  };
}

/** `--help` text, generated from `SETTINGS` so it cannot drift. */
export function helpText(): string {
  const rows = SETTINGS.map(
    (s) =>
      `  --${s.flag}${s.kind === 'bool' ? '' : ' <v>'}`.padEnd(34) +
      `${s.help}\n${' '.repeat(34)}env ${s.env}`,
  );
  return [
    'pulsemesh-signal: WebRTC signaling server (WebSocket, /healthz, /metrics on one port)',
    '',
    'usage: pulsemesh-signal [options]',
    '       pulsemesh-signal mint-token --room <room> [--ttl <seconds>] [--peer <id>] --token-secret <s>',
    '',
    'options (flags win over environment variables):',
    ...rows,
    '  -h, --help                      this text',
    '',
    'SIGTERM/SIGINT: stop accepting, close clients with 1001, drain, exit 0.',
  ].join('\n');
}
