export { MeshController, meshEventNames, type MeshControllerOptions } from './mesh-controller.js';
export { MeshElement } from './mesh-element.js';
export { Theme } from './theme.js';
export { PulseHealth, type StateSelectDetail } from './pulse-health.js';
export { PulsePeerTable, type PeerSelectDetail, type SortChangeDetail } from './pulse-peer-table.js';
export { PulseTopology } from './pulse-topology.js';
export { PulseTimeline, pickEntries, type FilterChangeDetail } from './pulse-timeline.js';
export { PulseAnalytics, type WindowChangeDetail } from './pulse-analytics.js';
export { PulsePastMembers, pastRows, type PastRow } from './pulse-past-members.js';
export { AnalyticsSpan, spanLabels, type HistoryView } from './history-view.js';
export { PulseMesh, type MeshErrorDetail } from './pulse-mesh.js';
export { MeshStartError, type OwnedMesh, type OwnMeshOptions } from './own-mesh.js';
export {
  hasLinkPaths,
  hasSignalPresence,
  columnHelp,
  PeerColumn,
  peerColumns,
  peerRow,
  sortPeers,
  type ColumnSpec,
  type LinkPathSource,
  type LinkPathView,
  type PeerRow,
  type SignalPresenceSource,
} from './peer-columns.js';
export { TopologyLayout, type TopologyNode, type TopologyLink } from './topology-layout.js';
