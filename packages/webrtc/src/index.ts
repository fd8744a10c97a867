export {
  Link,
  LinkState,
  livePeerConnectionCount,
  type LinkCounters,
  type LinkHandlers,
  type LinkOptions,
} from './link.js';
export { ConnectionManager } from './connection-manager.js';
export { type ConnectionHandlers, type ConnectionManagerOptions } from './connection-options.js';
export {
  WebRtcTransport,
  type LinkReport,
  type TransportCounters,
  type WebRtcTransportOptions,
} from './webrtc-transport.js';
export { isInitiator } from './initiator.js';
export { backoffDelayMs, defaultBackoff, type BackoffOptions } from './backoff.js';
export { parseLinkSignal, type LinkSignal, type ParsedLinkSignal } from './link-signal.js';
export {
  formatLinkPath,
  linkPath,
  PathKind,
  selectedPairStats,
  type CandidateType,
  type LinkPath,
  type TransportLinkStats,
} from './link-stats.js';
export { SequenceLoss } from './sequence-loss.js';
export { createMesh, Mesh, type MeshOptions } from './mesh.js';
export {
  DetectorHost,
  type HostOptions,
  type HostTransport,
  type MeshFaults,
  type MeshStatus,
} from './detector-host.js';
export { honestPingsPerPeriodMax, PingBudget, pingBudgetFor, type PingBudgetLimits } from './ping-budget.js';
export {
  attach,
  AttachedMesh,
  ConnectionState,
  createAttachedMesh,
  InvalidPeerIdError,
  type AttachableConnection,
  type AttachedConnectionInfo,
  type AttachedMeshOptions,
  type SimplePeerLike,
} from './attach.js';
export { AttachProofError, type ProofCounters } from './attach-proof.js';
export { LinkTable, ReliableTag, type LinkSink, type PeerLink } from './link-table.js';
export { BroadcastLinks } from './broadcast-links.js';
export {
  ChannelsState,
  heartbeatHeaderBytes,
  linkChannelIds,
  linkChannelLabels,
  PulseChannels,
  type ChannelsHandlers,
} from './pulse-channels.js';
export { timerScheduler, workerScheduler, type TickScheduler } from './tick-scheduler.js';
export { currentLifecycle, watchPageLifecycle, type PageLifecycleHandlers } from './page-lifecycle.js';
export { SignalPacer } from './signal-pacer.js';
export {
  generateIdentity,
  trustFor,
  identityFromSeed,
  verifySignature,
  type Identity,
  type KeyPairIdentity,
} from './identity.js';
export { loadTabIdentity, IDENTITY_SLOTS_MAX, type TabIdentity } from './identity-store.js';
export { ed25519Runtime, nobleEd25519, type Ed25519 } from './ed25519.js';
export {
  DurableHistory,
  durableHistoryDefaults,
  memoryHistoryBackend,
  type DurableHistoryOptions,
  type HistoryBackend,
  type RecordedMesh,
} from './durable-history.js';
export {
  analyticsToCsv,
  ExportKind,
  historyFile,
  historyToCsv,
  historyToJson,
  type ExportFile,
  type ExportSource,
} from './history-export.js';
export { indexedDbHistoryBackend } from './history-store.js';
