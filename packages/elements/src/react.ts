/**
 * React wrappers (`@pulsemesh/elements/react`): each element as a React component, with
 * properties (`mesh`, `selected`, ...) set as properties and events as `on*` props.
 *
 * ```tsx
 * import { PulseMesh } from '@pulsemesh/elements/react';
 * <PulseMesh mesh={detector} theme="dark" onPeerSelect={(e) => console.log(e.detail.peer)} />
 * ```
 */
import * as React from 'react';
import { createComponent, type EventName } from '@lit/react';
import { PulseMesh as PulseMeshElement, type MeshErrorDetail } from './pulse-mesh.js';
import { PulseHealth as PulseHealthElement, type StateSelectDetail } from './pulse-health.js';
import { PulseTopology as PulseTopologyElement } from './pulse-topology.js';
import {
  PulsePeerTable as PulsePeerTableElement,
  type PeerSelectDetail,
  type SortChangeDetail,
} from './pulse-peer-table.js';
import { PulseTimeline as PulseTimelineElement, type FilterChangeDetail } from './pulse-timeline.js';
import { PulseAnalytics as PulseAnalyticsElement, type WindowChangeDetail } from './pulse-analytics.js';
import { PulsePastMembers as PulsePastMembersElement } from './pulse-past-members.js';

const onPeerSelect = 'peer-select' as EventName<CustomEvent<PeerSelectDetail>>;

const onWindowChange = 'window-change' as EventName<CustomEvent<WindowChangeDetail>>;

/** `<pulse-mesh>` for React. Events: `onPeerSelect`, `onMeshReady`, `onMeshError`, `onWindowChange`. */
export const PulseMesh = createComponent({
  react: React,
  tagName: 'pulse-mesh',
  elementClass: PulseMeshElement,
  events: {
    onPeerSelect,
    onMeshReady: 'mesh-ready' as EventName<CustomEvent<{ localId: string }>>,
    onMeshError: 'mesh-error' as EventName<CustomEvent<MeshErrorDetail>>,
    onWindowChange,
  },
});

/** `<pulse-health>` for React. Events: `onStateSelect`. */
export const PulseHealth = createComponent({
  react: React,
  tagName: 'pulse-health',
  elementClass: PulseHealthElement,
  events: { onStateSelect: 'state-select' as EventName<CustomEvent<StateSelectDetail>> },
});

/** `<pulse-topology>` for React. Events: `onPeerSelect`. */
export const PulseTopology = createComponent({
  react: React,
  tagName: 'pulse-topology',
  elementClass: PulseTopologyElement,
  events: { onPeerSelect },
});

/** `<pulse-peer-table>` for React. Events: `onPeerSelect`, `onSortChange`. */
export const PulsePeerTable = createComponent({
  react: React,
  tagName: 'pulse-peer-table',
  elementClass: PulsePeerTableElement,
  events: {
    onPeerSelect,
    onSortChange: 'sort-change' as EventName<CustomEvent<SortChangeDetail>>,
  },
});

/** `<pulse-timeline>` for React. Events: `onPeerSelect`, `onFilterChange`. */
export const PulseTimeline = createComponent({
  react: React,
  tagName: 'pulse-timeline',
  elementClass: PulseTimelineElement,
  events: {
    onPeerSelect,
    onFilterChange: 'filter-change' as EventName<CustomEvent<FilterChangeDetail>>,
  },
});

/** `<pulse-analytics>` for React. Events: `onPeerSelect`, `onWindowChange`. */
export const PulseAnalytics = createComponent({
  react: React,
  tagName: 'pulse-analytics',
  elementClass: PulseAnalyticsElement,
  events: { onPeerSelect, onWindowChange },
});

/** `<pulse-past-members>` for React. Events: `onPeerSelect`. */
export const PulsePastMembers = createComponent({
  react: React,
  tagName: 'pulse-past-members',
  elementClass: PulsePastMembersElement,
  events: { onPeerSelect },
});
