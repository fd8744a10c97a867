/**
 * `@pulsemesh/signal-server`: the CLI's configuration parser (the server itself is `@pulsemesh/signal/server`).
 */
export { ConfigError, SETTINGS, helpText, parseCommand } from './config.js';
export type { Command } from './config.js';
