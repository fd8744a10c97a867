/**
 * `@pulsemesh/webrtc/testing` (Node only): helpers for tests that need a real signaling server and
 * real Node peers: `TestRoom`, fast detector settings, and a polling `until`.
 */
export { fastConfig, stateOf, TestRoom } from './mesh-test-support.js';
export { linkedCount, SignalBus, until } from './test-helpers.js';
