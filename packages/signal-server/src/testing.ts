/**
 * `@pulsemesh/signal-server/testing` (Node only): helpers for tests elsewhere in the workspace —
 * a real `redis-server` on a free loopback port, servers on port 0, clients with fast timings.
 */
export { startRedis } from './redis-support.js';
export type { RedisProcess } from './redis-support.js';
export {
  startServer,
  makeClient,
  next,
  joined,
  until,
  rawSocket,
  closed,
  nextFrame,
} from './test-support.js';
export type { Running } from './test-support.js';
