import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util';

/** Detector presets the CLI accepts. */
export const presetNames = ['node', 'browser', 'lan', 'wan'] as const;
export type PresetName = (typeof presetNames)[number];

/** Parsed command line of the edge peer. */
export interface EdgePeerArgs {
  signal: string;
  room: string;
  id: string | undefined;
  /** File keeping this peer's key pair (created with mode 0600); undefined = a fresh key per run. */
  identityFile: string | undefined;
  /**
   * File keeping what this peer saw (JSON lines, mode 0600) and its last incarnation, so analytics
   * and past members survive a restart. Default: `<identity file>.history.jsonl` with
   * `--identity-file`, else none (kept in memory for this run only).
   */
  historyFile: string | undefined;
  token: string | undefined;
  preset: PresetName;
  /** Detector interval overrides (ms); undefined keeps the preset's value. */
  probeIntervalMs: number | undefined;
  probeIntervalMsMin: number | undefined;
  probeIntervalMsMax: number | undefined;
  probeTimeoutMsMax: number | undefined;
  suspicionMult: number | undefined;
  /** Any other detector settings, as a JSON object (`--config '{"probeTimeoutMsMin":50}'`). */
  config: Record<string, number>;
  bindAddress: string | undefined;
  /** STUN/TURN URLs (repeatable `--ice`). */
  iceServers: string[];
  maxConnections: number | undefined;
  /** Port of `/metrics` and `/healthz`; undefined = no HTTP server; 0 = any free port. */
  metricsPort: number | undefined;
  metricsHost: string;
  json: boolean;
  help: boolean;
}

/** Flags, their environment variables and help lines, in one table. */
const flags = {
  signal: {
    env: 'PULSEMESH_SIGNAL',
    type: 'string',
    help: 'signaling server URL (ws://host:port), required',
  },
  room: { env: 'PULSEMESH_ROOM', type: 'string', help: 'room to join (default "pulsemesh")' },
  id: {
    env: 'PULSEMESH_ID',
    type: 'string',
    help: 'plain peer id, no key (default: derived from a key pair)',
  },
  'identity-file': {
    env: 'PULSEMESH_IDENTITY_FILE',
    type: 'string',
    help: 'keep the key pair (and so the id) in this file, mode 0600',
  },
  'history-file': {
    env: 'PULSEMESH_HISTORY_FILE',
    type: 'string',
    help: 'keep the history here (default: <identity-file>.history.jsonl with --identity-file)',
  },
  token: { env: 'PULSEMESH_TOKEN', type: 'string', help: 'join token, if the server requires one' },
  preset: {
    env: 'PULSEMESH_PRESET',
    type: 'string',
    help: 'detector preset: node (the Node default) | browser | lan | wan (default node)',
  },
  'probe-interval-ms': {
    env: 'PULSEMESH_PROBE_INTERVAL_MS',
    type: 'string',
    help: 'initial protocol period (ms)',
  },
  'probe-interval-ms-min': {
    env: 'PULSEMESH_PROBE_INTERVAL_MS_MIN',
    type: 'string',
    help: 'shortest adaptive period (ms)',
  },
  'probe-interval-ms-max': {
    env: 'PULSEMESH_PROBE_INTERVAL_MS_MAX',
    type: 'string',
    help: 'longest adaptive period (ms)',
  },
  'probe-timeout-ms-max': {
    env: 'PULSEMESH_PROBE_TIMEOUT_MS_MAX',
    type: 'string',
    help: 'longest probe timeout (ms)',
  },
  'suspicion-mult': { env: 'PULSEMESH_SUSPICION_MULT', type: 'string', help: 'suspicion timeout multiplier' },
  config: {
    env: 'PULSEMESH_CONFIG',
    type: 'string',
    help: 'more detector settings as JSON, e.g. {"suspicionMaxTimeoutMult":4}',
  },
  'bind-address': {
    env: 'PULSEMESH_BIND_ADDRESS',
    type: 'string',
    help: 'local address for ICE (127.0.0.1 for loopback)',
  },
  ice: { env: 'PULSEMESH_ICE', type: 'string', help: 'STUN/TURN URL; repeatable; env: comma-separated' },
  'max-connections': {
    env: 'PULSEMESH_MAX_CONNECTIONS',
    type: 'string',
    help: 'most WebRTC links (default 32)',
  },
  'metrics-port': {
    env: 'PULSEMESH_METRICS_PORT',
    type: 'string',
    help: 'serve /metrics, /healthz and the history exports on this port (0: any)',
  },
  'metrics-host': {
    env: 'PULSEMESH_METRICS_HOST',
    type: 'string',
    help: 'address of the metrics server (default 127.0.0.1)',
  },
  json: {
    env: 'PULSEMESH_JSON',
    type: 'boolean',
    help: 'print one JSON line per event instead of the live view',
  },
  help: { env: undefined, type: 'boolean', help: 'show this help' },
} as const;

/** The `--help` text. */
export const helpText = [
  'pulsemesh edge peer: joins a room as a full peer of the WebRTC mesh and watches its health.',
  '',
  'usage: pulsemesh-edge-peer --signal ws://127.0.0.1:8787 [--room ROOM] [options]',
  '',
  'options (each also read from its environment variable; flags win):',
  ...Object.entries(flags).map(([name, f]) => `  --${name.padEnd(24)}${f.help}${f.env ? ` [${f.env}]` : ''}`),
  '',
  'SIGTERM/SIGINT: leave gracefully (others see "left"), close every link, exit 0.',
].join('\n');

/** Result of {@link parseEdgePeerArgs}. */
export type ParsedArgs = { ok: true; args: EdgePeerArgs } | { ok: false; error: string };

/** Parses argv (without node and script) and the environment; never throws. */
export function parseEdgePeerArgs(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): ParsedArgs {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    const options: NonNullable<ParseArgsConfig['options']> = {};
    for (const [name, f] of Object.entries(flags)) options[name] = { type: f.type, multiple: name === 'ice' };
    values = parseNodeArgs({ args: [...argv], options, allowPositionals: false, strict: true }).values;
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const get = (name: keyof typeof flags): string | undefined => {
    const v = values[name];
    if (typeof v === 'string') return v;
    const envName = flags[name].env;
    return envName ? env[envName] : undefined;
  };
  const flag = (name: 'json' | 'help'): boolean => {
    if (values[name] === true) return true;
    const envName = flags[name].env;
    const v = envName ? env[envName] : undefined;
    return v !== undefined && v !== '' && v !== '0' && v !== 'false';
  };
  const help = flag('help');
  const signal = get('signal');
  if (!help && !signal) return { ok: false, error: 'missing --signal (or PULSEMESH_SIGNAL)' };
  if (signal && !/^wss?:\/\//.test(signal))
    return { ok: false, error: `--signal must be a ws:// or wss:// URL: ${signal}` };
  const preset = get('preset') ?? 'node';
  if (!(presetNames as readonly string[]).includes(preset))
    return { ok: false, error: `unknown preset: ${preset}` };
  const numbers: Record<string, number | undefined> = {};
  for (const name of [
    'probe-interval-ms',
    'probe-interval-ms-min',
    'probe-interval-ms-max',
    'probe-timeout-ms-max',
    'suspicion-mult',
    'max-connections',
    'metrics-port',
  ] as const) {
    const raw = get(name);
    if (raw === undefined) continue;
    const n = Number(raw);
    const min = name === 'metrics-port' ? 0 : 1;
    if (!Number.isFinite(n) || n < min || (name === 'metrics-port' && (n > 65_535 || !Number.isInteger(n))))
      return { ok: false, error: `--${name} must be a number ≥ ${min}: ${raw}` };
    numbers[name] = n;
  }
  let config: Record<string, number> = {};
  const configJson = get('config');
  if (configJson !== undefined) {
    const parsedConfig = parseConfigJson(configJson);
    if (typeof parsedConfig === 'string') return { ok: false, error: parsedConfig };
    config = parsedConfig;
  }
  const identityFile = get('identity-file');
  const iceFlag = values['ice'];
  const ice = Array.isArray(iceFlag) ? iceFlag.map(String) : (env['PULSEMESH_ICE']?.split(',') ?? []);
  return {
    ok: true,
    args: {
      signal: signal ?? '',
      room: get('room') ?? 'pulsemesh',
      id: get('id'),
      identityFile,
      historyFile:
        get('history-file') ?? (identityFile === undefined ? undefined : `${identityFile}.history.jsonl`),
      token: get('token'),
      preset: preset as PresetName,
      probeIntervalMs: numbers['probe-interval-ms'],
      probeIntervalMsMin: numbers['probe-interval-ms-min'],
      probeIntervalMsMax: numbers['probe-interval-ms-max'],
      probeTimeoutMsMax: numbers['probe-timeout-ms-max'],
      suspicionMult: numbers['suspicion-mult'],
      config,
      bindAddress: get('bind-address'),
      iceServers: ice.map((s) => s.trim()).filter((s) => s.length > 0),
      maxConnections: numbers['max-connections'],
      metricsPort: numbers['metrics-port'],
      metricsHost: get('metrics-host') ?? '127.0.0.1',
      json: flag('json'),
      help,
    },
  };
}

/** `--config`: a JSON object of finite numbers; an error message otherwise. */
function parseConfigJson(text: string): Record<string, number> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `--config is not JSON: ${(err as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return '--config must be a JSON object';
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return `--config: ${key} must be a number`;
    out[key] = v;
  }
  return out;
}
