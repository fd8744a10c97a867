// keepAwarenessHonest against a real y-protocols Awareness: a peer the mesh declares failed loses
// its awareness states at once, everywhere the removal is applied; other verdicts change nothing.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  Awareness,
  applyAwarenessUpdate,
  encodeAwarenessUpdate,
  removeAwarenessStates,
} from 'y-protocols/awareness';
import { keepAwarenessHonest } from './y-webrtc.js';

function statusChange(peer: string, to: string): CustomEvent {
  return new CustomEvent('status-change', { detail: { peer, from: 'healthy', to, reason: 'test', atMs: 0 } });
}

describe('keepAwarenessHonest', () => {
  it('removes the failed peer’s clients, not others, and the removal travels to other awareness copies', () => {
    const [mine, theirs, third] = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    const a = new Awareness(mine);
    const b = new Awareness(theirs);
    const c = new Awareness(third);
    b.setLocalStateField('pulsemesh', 'peer-b');
    c.setLocalStateField('pulsemesh', 'peer-c');
    for (const other of [b, c])
      applyAwarenessUpdate(a, encodeAwarenessUpdate(other, [other.clientID]), 'remote');
    expect([...a.getStates().keys()].sort()).toEqual([a.clientID, b.clientID, c.clientID].sort());

    const mesh = new EventTarget();
    const stop = keepAwarenessHonest(mesh, a, removeAwarenessStates);
    const updates: Uint8Array[] = [];
    a.on('update', ({ removed }: { removed: number[] }) => {
      if (removed.length) updates.push(encodeAwarenessUpdate(a, removed));
    });
    mesh.dispatchEvent(statusChange('peer-b', 'suspect'));
    expect(a.getStates().has(b.clientID)).toBe(true);
    mesh.dispatchEvent(statusChange('peer-b', 'failed'));
    expect(a.getStates().has(b.clientID)).toBe(false);
    expect(a.getStates().has(c.clientID)).toBe(true);
    // A copy without the helper (c's view of b) applies the broadcast removal too.
    applyAwarenessUpdate(c, encodeAwarenessUpdate(b, [b.clientID]), 'remote');
    expect(c.getStates().has(b.clientID)).toBe(true);
    for (const u of updates) applyAwarenessUpdate(c, u, 'remote');
    expect(c.getStates().has(b.clientID)).toBe(false);
    stop();
    mesh.dispatchEvent(statusChange('peer-c', 'failed'));
    expect(a.getStates().has(c.clientID)).toBe(true);
    for (const x of [a, b, c]) x.destroy();
  });
});
