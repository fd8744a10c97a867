export { MeshController, meshEventNames, type MeshControllerOptions } from './mesh-controller.js';
export { MeshElement } from './mesh-element.js';
export { Theme } from './theme.js';
export { PulseHealth, type StateSelectDetail } from './pulse-health.js';
export { PulsePeerTable, type PeerSelectDetail, type SortChangeDetail } from './pulse-peer-table.js';
export { PeerColumn, peerColumns, sortPeers, type ColumnSpec } from './peer-columns.js';
