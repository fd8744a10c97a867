export { type Random, randomInt, seededRandom, shuffle } from './random.js';
export * from './types.js';
export type { Transport } from './transport.js';
export type { MeshView, SignalState, DetectorEventDetail } from './mesh-view.js';
