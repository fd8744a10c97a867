export { type Random, randomInt, seededRandom, shuffle } from './random.js';
export * from './types.js';
export type { Transport } from './transport.js';
export type { MeshView, SignalState, DetectorEventDetail } from './mesh-view.js';
export { Detector, type DetectorOptions, type Roster } from './detector.js';
export type { DetectorStats } from './stats.js';
export {
  defaultConfig,
  presets,
  stallToleranceMs,
  validateConfig,
  retransmitLimit,
  type DetectorConfig,
  type Runtime,
} from './config.js';
export { WitnessKind } from './witness.js';
export { AssertionError, InvalidConfigError } from './errors.js';
export {
  encode,
  decode,
  MessageType,
  UpdateKind,
  ExtensionType,
  DecodeErrorCode,
  WIRE_VERSION,
  HEADER_BYTES,
  PEER_ID_BYTES_MAX,
  type Message,
  type Update,
  type Extension,
  type DecodeError,
  type DecodeResult,
} from './codec.js';
export {
  suspicionTimeoutMs,
  suspicionTimeoutMsMin,
  suspicionTimeoutMsMax,
  suspicionConfirmationsExpected,
  lifecyclePatience,
  failAtMs,
} from './suspicion.js';
export { probeTimeoutMs, updateRtt, type RttEstimate } from './rtt.js';
export { phi, phiTimeoutMs, updateArrival, arrivalStdMs, type ArrivalStats } from './phi.js';
export { adaptProtocolPeriodMs, networkBadness, indirectChecksFor, type IntervalInputs } from './interval.js';
export {
  applyLocalHealthDelta,
  scaleByLocalHealth,
  probeOutcomeDelta,
  LocalHealthCause,
} from './local-health.js';
export { clusterHealth, healthTier, isMinorityPartition, type TierThresholds } from './health.js';
export { newOutageLog, recordTransition, peerReport, analyticsReport, type OutageLog } from './analytics.js';
export {
  derivePeerId,
  keyMatchesId,
  isCanonicalPeerId,
  isKeyDerivedId,
  KEY_ID_PREFIX,
  KEY_ID_CHARS,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
} from './peer-id.js';
export {
  replayWindow,
  pastFromHistory,
  AnalyticsWindow,
  WINDOW_MS,
  MIN_OBSERVED_MS,
  type HistoryPast,
  type HistoryRecord,
  type WindowReport,
} from './history-replay.js';
export { SIGNED_KIND_BIT, SIGNATURE_BLOCK_BYTES, updateBytes, varintBytes } from './codec.js';
export { signUpdate, verifyUpdate, updateSigningBytes, signerOf, type Trust } from './signed-update.js';
export { testTrust, testKey } from './test-trust.js';
export { INCARNATION_MAX } from './trust.js';
export { SharedStatementTable, type StatementCache } from './verified-cache.js';
export { LIAR_SCORE, LIAR_DECAY_MS, LIAR_CHECK_GAP_MS } from './liars.js';
