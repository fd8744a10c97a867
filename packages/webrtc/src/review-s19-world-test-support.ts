// Test support for the session-19 input review: a room of attached meshes on real node-datachannel
// connections (default detector settings, no private tuning) plus one raw member, Mallory, whose
// far end is `RawMember` (hand-written link-protocol framing). Run through netns.sh.
import type { PeerId } from '@pulsemesh/core';
import { createAttachedMesh, type AttachedMesh } from './attach.js';
import { generateIdentity, trustFor } from './identity.js';
import { closePairs, connectedPair, RawMember } from './review-s19-test-support.js';
import { until } from './test-helpers.js';

/** The room: `victim` ↔ `honest` (↔ `carol`, linked to honest only), and Mallory attached at victim. */
export interface World {
  victim: AttachedMesh;
  honest: AttachedMesh;
  /** Linked to honest only: victim knows it by gossip until Mallory attaches under its id. */
  carol: AttachedMesh | undefined;
  mallory: RawMember;
  /** Every status change other than to `healthy`, as `viewer:peer:to`. */
  verdicts: string[];
}

const meshes: AttachedMesh[] = [];

/** Closes every mesh and connection of the worlds made so far. */
export function closeWorlds(): void {
  for (const m of meshes.splice(0)) m.close();
  appIdOf.clear();
  closePairs();
}

/** Starts a named attached mesh (with a key-derived id and trust when `trusted`). */
function start(name: string, trusted: boolean, verdicts: string[]): AttachedMesh {
  const identity = trusted ? generateIdentity() : undefined;
  const mesh = createAttachedMesh(
    identity ? { peerId: identity.id, trust: trustFor(identity) } : { peerId: name },
  );
  meshes.push(mesh);
  mesh.addEventListener('status-change', (e) => {
    const { peer, to } = (e as CustomEvent<{ peer: PeerId; to: string }>).detail;
    if (to !== 'healthy') verdicts.push(`${mesh.localId}:${peer}:${to}`);
  });
  return mesh;
}

/** The app's id of each mesh: its name when the app has its own ids (`appIds`), else its id. */
const appIdOf = new Map<AttachedMesh, string>();

async function link(a: AttachedMesh, b: AttachedMesh): Promise<void> {
  const [pa, pb] = await connectedPair();
  a.attach(appIdOf.get(b) ?? b.localId, pa);
  b.attach(appIdOf.get(a) ?? a.localId, pb);
}

function healthyAt(viewer: AttachedMesh, peer: PeerId): boolean {
  return viewer.peers().some((p) => p.id === peer && p.state === 'healthy');
}

/**
 * Builds the room. Mallory is attached at victim under `malloryId` (`'carol'`: under carol's id,
 * whatever it is); its channels are open but it has said nothing yet. `appIds` (with `trusted`):
 * the app attaches everyone under its own plain ids (the names, as y-webrtc's UUIDs), and the
 * meshes know each other by their proven keys' ids (decision 0049).
 */
export async function world(
  options: { malloryId?: string; carol?: boolean; trusted?: boolean; appIds?: boolean } = {},
): Promise<World> {
  const trusted = options.trusted ?? false;
  const verdicts: string[] = [];
  const named = (name: string): AttachedMesh => {
    const mesh = start(name, trusted, verdicts);
    if (options.appIds) appIdOf.set(mesh, name);
    return mesh;
  };
  const victim = named('victim');
  const honest = named('honest');
  await link(victim, honest);
  await until(() => healthyAt(victim, honest.localId), 10_000, 'victim sees honest');
  let carol: AttachedMesh | undefined;
  if (options.carol || options.malloryId === 'carol') {
    carol = named('carol');
    await link(honest, carol);
    await until(() => healthyAt(victim, carol!.localId), 10_000, 'victim knows carol by gossip');
  }
  const [atVictim, atMallory] = await connectedPair();
  const mallory = new RawMember(atMallory);
  const malloryId =
    options.malloryId === 'carol'
      ? (appIdOf.get(carol!) ?? carol!.localId)
      : (options.malloryId ?? 'mallory');
  victim.attach(malloryId, atVictim);
  await mallory.opened();
  return { victim, honest, carol, mallory, verdicts };
}

/** Mallory's attached connection at victim, as `connections()` reports it. */
export function malloryAtVictim(w: World): ReturnType<AttachedMesh['connections']>[number] {
  const c = w.victim.connections().find((x) => x.peer !== w.honest.localId);
  if (!c) throw new Error('no attached connection for Mallory');
  return c;
}

/** Verdicts (other than `healthy`) about anyone but Mallory. */
export function verdictsAboutOthers(w: World, malloryId: PeerId): string[] {
  return w.verdicts.filter((v) => v.split(':')[1] !== malloryId);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
