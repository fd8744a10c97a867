import type { DetectorEvent, MeshView } from '@pulsemesh/core';
import { meshEventNames } from '../mesh-controller.js';
import type { RecordedFrame } from './recorded-mesh.js';

/** Frames captured from a live mesh; replay them with `RecordedMesh.apply`. */
export interface MeshRecording {
  readonly frames: RecordedFrame[];
  /** Appends a frame with every peer's current snapshot (link stats change without events). */
  snapshot(): void;
  /** Stops listening. */
  stop(): void;
}

/** Frames kept at most; older ones are dropped (after the first, which holds the full state). */
const framesMax = 100_000;

/**
 * Records a live {@link MeshView} (a `Detector`, a WebRTC mesh) as a stream of frames: a full
 * snapshot first, then one frame per event with the changed peer's snapshot. JSON-serialisable
 * apart from `vitals.metadata` (a `Uint8Array`).
 */
export function recordMesh(mesh: MeshView): MeshRecording {
  const frames: RecordedFrame[] = [];
  const snapshot = (): void => {
    frames.push({
      atMs: mesh.nowMs(),
      peers: mesh.peers(),
      localHealthScore: mesh.localHealthScore(),
      protocolPeriodMs: mesh.protocolPeriodMs(),
    });
  };
  const onEvent = (e: Event): void => {
    const detail = (e as CustomEvent).detail as { peer?: string };
    const peer = detail.peer === undefined ? undefined : mesh.peers().find((p) => p.id === detail.peer);
    if (e.type === 'signal-state') return; // replayed through `signalState` below
    frames.push({
      atMs: mesh.nowMs(),
      ...(peer ? { peers: [peer] } : {}),
      events: [{ type: e.type, detail } as DetectorEvent],
    });
    if (frames.length > framesMax) frames.splice(1, 1);
  };
  const onSignal = (e: Event): void => {
    const state = (e as CustomEvent<{ state: RecordedFrame['signalState'] }>).detail.state;
    if (state) frames.push({ atMs: mesh.nowMs(), signalState: state });
  };
  snapshot();
  for (const name of meshEventNames)
    mesh.addEventListener(name, name === 'signal-state' ? onSignal : onEvent);
  return {
    frames,
    snapshot,
    stop: () => {
      for (const name of meshEventNames) {
        mesh.removeEventListener(name, name === 'signal-state' ? onSignal : onEvent);
      }
    },
  };
}
