/**
 * `@pulsemesh/signal-server` (Node only): the hardened signaling server, its token helpers and the
 * CLI's configuration parser. Browsers use `@pulsemesh/signal` (protocol + client) and never
 * install this package or its Node-only dependencies (ws, ioredis, pino, prom-client, jose).
 */
export * from './server/index.js';
export { ConfigError, SETTINGS, helpText, parseCommand } from './config.js';
export type { Command } from './config.js';
