// Key proof on attached links (decision 0049), on real node-datachannel connections made in this
// process: honest attached meshes with identities, and a raw member (`RawMember`) that writes the
// link protocol and the proof messages by hand, as a hostile room member can.
// Run: bash scripts/netns.sh pnpm exec vitest run packages/webrtc/src/attach-proof-link.test.ts
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, type Message, type PeerId } from '@pulsemesh/core';
import { createAttachedMesh, type AttachedMesh } from './attach.js';
import { attachProofBytes, ProofKind, proofMessage, proofNonceBytes } from './attach-proof.js';
import { chunkHeaderBytes } from './chunking.js';
import { generateIdentity, trustFor, type KeyPairIdentity } from './identity.js';
import { chunk, closePairs, connectedPair, RawMember } from './review-s19-test-support.js';
import { until } from './test-helpers.js';

const meshes: AttachedMesh[] = [];
afterEach(() => {
  for (const m of meshes.splice(0)) m.close();
  closePairs();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function meshWithIdentity(proofTimeoutMs = 2_000): { mesh: AttachedMesh; identity: KeyPairIdentity } {
  const identity = generateIdentity();
  const mesh = createAttachedMesh({
    peerId: identity.id,
    trust: trustFor(identity),
    proofTimeoutMs,
    pageLifecycle: false,
  });
  meshes.push(mesh);
  return { mesh, identity };
}

const healthyAt = (viewer: AttachedMesh, peer: PeerId): boolean =>
  viewer.peers().some((p) => p.id === peer && p.state === 'healthy');

/** The proof messages (`tag 2 | kind | body`) a raw member received on its reliable channel. */
function proofInbox(member: RawMember): Uint8Array[] {
  const inbox: Uint8Array[] = [];
  member.reliable.addEventListener('message', (e: MessageEvent) => {
    const payload = new Uint8Array(e.data as ArrayBuffer).slice(chunkHeaderBytes);
    if (payload[0] === 2) inbox.push(payload);
  });
  return inbox;
}

/** A raw member's proof: `publicKey | signature` over the given ids, nonce and fingerprints. */
function proofBody(signWith: KeyPairIdentity, publicKey: Uint8Array, signed: Uint8Array): Uint8Array {
  const body = new Uint8Array(96);
  body.set(publicKey, 0);
  body.set(signWith.sign(signed), 32);
  return proofMessage(ProofKind.proof, body);
}

/** The challenge a raw member received: its nonce and the challenger's id. */
async function challengeOf(inbox: Uint8Array[]): Promise<{ nonce: Uint8Array; challenger: string }> {
  await until(() => inbox.some((m) => m[1] === ProofKind.challenge), 5_000, 'a challenge');
  const body = inbox.find((m) => m[1] === ProofKind.challenge)!.subarray(2);
  return {
    nonce: body.slice(0, proofNonceBytes),
    challenger: new TextDecoder().decode(body.subarray(proofNonceBytes)),
  };
}

/** Both ends' DTLS fingerprints of a connection, as the proof covers them. */
async function fingerprintsOf(pc: RTCPeerConnection): Promise<string[]> {
  const { connectionFingerprints } = await import('./attach-proof.js');
  return connectionFingerprints(pc)!;
}

describe('key proof on attached links (real WebRTC)', () => {
  it('with identities, links under plain app ids (y-webrtc UUIDs) count as the proven keys’ ids', async () => {
    const a = meshWithIdentity();
    const b = meshWithIdentity();
    const [pa, pb] = await connectedPair();
    a.mesh.attach('app-uuid-b', pa);
    b.mesh.attach('app-uuid-a', pb);
    await until(() => healthyAt(a.mesh, b.mesh.localId), 10_000, 'a sees b by its key id');
    await until(() => healthyAt(b.mesh, a.mesh.localId), 10_000, 'b sees a by its key id');
    expect(a.mesh.connections().map((c) => [c.peer, c.identity, c.state, c.proven])).toEqual([
      ['app-uuid-b', b.mesh.localId, 'monitored', true],
    ]);
    expect(a.mesh.peers().map((p) => p.id)).not.toContain('app-uuid-b');
    expect(a.mesh.proofCounters.proven).toBe(1);
    expect(b.mesh.proofCounters.proven).toBe(1);
  });

  it('a member that never proves: nothing it sends is heard, closed at the timeout, counted', async () => {
    const victim = meshWithIdentity(1_500);
    const carol = generateIdentity();
    const [atVictim, atMallory] = await connectedPair();
    const mallory = new RawMember(atMallory);
    const refused: string[] = [];
    victim.mesh.addEventListener('proof-refused', (e) => {
      const { peer, error } = (e as CustomEvent<{ peer: string; error: string }>).detail;
      refused.push(`${peer}:${error}`);
    });
    victim.mesh.attach(carol.id, atVictim);
    await mallory.opened();
    mallory.frame(new Uint8Array(0));
    await until(() => victim.mesh.connections()[0]?.state === 'proving', 5_000, 'proving');
    mallory.message(MessageType.ping);
    mallory.message(MessageType.leave, { incarnation: 5 } as Partial<Message>);
    await until(() => victim.mesh.connections().length === 0, 5_000, 'closed at the timeout');
    expect(refused).toEqual([`${carol.id}:timeout`]);
    expect(victim.mesh.proofCounters.refused.timeout).toBe(1);
    expect(victim.mesh.proofCounters.unprovenMessages).toBe(2);
    expect(victim.mesh.peers().map((p) => p.id)).not.toContain(carol.id);
  });

  const refusals: [string, string][] = [
    ['her own key, attached under carol’s id', 'wrong-key'],
    ['carol’s public key with a signature by her own', 'bad-signature'],
    ['a proof over the wrong nonce', 'bad-signature'],
    ['a body of the wrong length', 'malformed'],
  ];
  for (const [what, error] of refusals)
    it(`a forged proof is refused (${what}: ${error}), closed and counted`, async () => {
      const victim = meshWithIdentity(5_000);
      const carol = generateIdentity();
      const mallory = generateIdentity();
      const [atVictim, atMallory] = await connectedPair();
      const raw = new RawMember(atMallory);
      const inbox = proofInbox(raw);
      victim.mesh.attach(carol.id, atVictim);
      await raw.opened();
      raw.frame(new Uint8Array(0));
      const { nonce, challenger } = await challengeOf(inbox);
      expect(challenger).toBe(victim.mesh.localId);
      const fps = await fingerprintsOf(atMallory);
      const proof =
        error === 'wrong-key'
          ? proofBody(mallory, mallory.publicKey, attachProofBytes(mallory.id, challenger, nonce, fps))
          : error === 'malformed'
            ? proofMessage(ProofKind.proof, new Uint8Array(40))
            : what.includes('nonce')
              ? proofBody(
                  carol,
                  carol.publicKey,
                  attachProofBytes(carol.id, challenger, new Uint8Array(16), fps),
                )
              : proofBody(mallory, carol.publicKey, attachProofBytes(carol.id, challenger, nonce, fps));
      raw.rawReliable(chunk(0, 0, 1, proof));
      await until(() => victim.mesh.connections().length === 0, 3_000, 'closed on the refusal');
      expect(victim.mesh.proofCounters.refused[error as 'malformed']).toBe(1);
      expect(victim.mesh.proofCounters.proven).toBe(0);
    });

  it('carol’s genuine proof relayed from another connection is refused (other fingerprints)', async () => {
    // Mallory has her own connection to carol (carol attaches her under Mallory's id) and is
    // attached at victim under carol's id. She hands victim's challenge to carol as her own and
    // relays carol's answer: signed by carol's key for victim's nonce and id, but over the
    // fingerprints of carol ↔ Mallory, not victim ↔ Mallory.
    const victim = meshWithIdentity(5_000);
    const carol = meshWithIdentity(5_000);
    const mallory = generateIdentity();
    const [atVictim, atMalloryV] = await connectedPair();
    const [atCarol, atMalloryC] = await connectedPair();
    const toVictim = new RawMember(atMalloryV);
    const toCarol = new RawMember(atMalloryC);
    const fromVictim = proofInbox(toVictim);
    const fromCarol = proofInbox(toCarol);
    victim.mesh.attach(carol.mesh.localId, atVictim);
    carol.mesh.attach(mallory.id, atCarol);
    await Promise.all([toVictim.opened(), toCarol.opened()]);
    toVictim.frame(new Uint8Array(0));
    toCarol.frame(new Uint8Array(0));
    const { nonce, challenger } = await challengeOf(fromVictim);
    const relayed = new Uint8Array(2 + proofNonceBytes + challenger.length);
    relayed.set(proofMessage(ProofKind.challenge, nonce), 0);
    relayed.set(new TextEncoder().encode(challenger), 2 + proofNonceBytes);
    toCarol.rawReliable(chunk(0, 0, 1, relayed));
    await until(() => fromCarol.some((m) => m[1] === ProofKind.proof), 5_000, 'carol answers');
    toVictim.rawReliable(
      chunk(
        0,
        0,
        1,
        fromCarol.find((m) => m[1] === ProofKind.proof)!,
      ),
    );
    await until(() => victim.mesh.connections().length === 0, 3_000, 'closed on the refusal');
    expect(victim.mesh.proofCounters.refused['bad-signature']).toBe(1);
    expect(victim.mesh.peers().map((p) => p.id)).not.toContain(carol.mesh.localId);
  });

  it('a second connection for a proven id waits unused and is refused; the proven link stays', async () => {
    const a = meshWithIdentity(1_500);
    const b = meshWithIdentity(1_500);
    const [pa, pb] = await connectedPair();
    a.mesh.attach(b.mesh.localId, pa);
    b.mesh.attach(a.mesh.localId, pb);
    await until(() => healthyAt(a.mesh, b.mesh.localId), 10_000, 'a sees b');
    const [atA, atMallory] = await connectedPair();
    const mallory = new RawMember(atMallory);
    a.mesh.attach(b.mesh.localId, atA); // the app's signaling says b reconnected: it did not
    await mallory.opened();
    mallory.frame(new Uint8Array(0));
    mallory.message(MessageType.leave, { incarnation: 9 } as Partial<Message>);
    await until(() => a.mesh.proofCounters.challengersRefused === 1, 5_000, 'challenger refused');
    await sleep(500);
    expect(a.mesh.connections().map((c) => [c.peer, c.state, c.proven])).toEqual([
      [b.mesh.localId, 'monitored', true],
    ]);
    expect(healthyAt(a.mesh, b.mesh.localId)).toBe(true);
    expect(a.mesh.proofCounters.refused.timeout).toBe(1);
  });
});
