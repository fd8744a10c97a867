// Session-19 review, part 3: what a room member can do to a `createMesh` peer's own WebRTC links
// (ConnectionManager + Link): re-offer in a loop (a fresh session each time, every one a new
// RTCPeerConnection at the victim) and open many in-band data channels on its link. Mallory is a
// real member of a real signaling room (`SignalClient`, the server's 50 frames/s limit applies)
// whose far end is a bare node-datachannel connection driven by hand. Default detector settings.
// Run: bash scripts/netns.sh vitest run packages/webrtc/src/review-input-s19-mesh.test.ts
import { describe, expect, it } from 'vitest';
import type { SignalClient } from '@pulsemesh/signal';
import { livePeerConnectionCount } from './link.js';
import type { Mesh } from './mesh.js';
import { stateOf } from './mesh-test-support.js';
import {
  malloryConnection as connection,
  memberClient,
  undoAfterEach,
  victimAndHonest,
} from './review-mesh-test-support.js';
import { RawMember } from './review-s19-test-support.js';
import { until } from './test-helpers.js';

/** Undone after each test, last first (Mallory's connection and client, then the room). */
const cleanups = undoAfterEach();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Room {
  victim: Mesh;
  honest: Mesh;
  /** Mallory's signaling client ('amallory' sorts first: it is the initiator towards victim). */
  client: SignalClient;
  /** Victim's signaling errors (a `rate-limited` one would mean Mallory made it over-send). */
  victimSignalErrors: string[];
}

async function startRoom(): Promise<Room> {
  const { room, victim, honest } = await victimAndHonest(cleanups);
  const victimSignalErrors: string[] = [];
  victim.signalClient.addEventListener('error', (e) => victimSignalErrors.push(e.detail.code));
  const client = memberClient(cleanups, room, 'amallory');
  await until(() => client.state === 'connected', 5_000, 'Mallory joined');
  return { victim, honest, client, victimSignalErrors };
}

/** Mallory's connection, with its offer (candidates included) ready to send. */
const malloryConnection = (): Promise<{ pc: RTCPeerConnection; offer: string }> => connection(cleanups);

function othersUntouched(r: Room): void {
  expect(stateOf(r.victim, 'honest')).toBe('healthy');
  expect(stateOf(r.honest, 'victim')).toBe('healthy');
  expect(r.victim.status).toBe('running');
  expect(r.victimSignalErrors).toEqual([]);
  expect(r.victim.signalClient.state).toBe('connected');
}

/** Mallory sends 200 offers, each in a fresh session, ~40 a second; returns victim's peak live pcs. */
async function offerLoop(r: Room): Promise<number> {
  const { offer } = await malloryConnection();
  let peak = 0;
  for (let i = 0; i < 200; i++) {
    r.client.signal('victim', { v: 1, t: 'sdp', s: `loop${i}`, d: [{ type: 'offer', sdp: offer }] });
    peak = Math.max(peak, livePeerConnectionCount());
    await sleep(25);
  }
  for (let i = 0; i < 40; i++) {
    peak = Math.max(peak, livePeerConnectionCount());
    await sleep(50);
  }
  return peak;
}

describe('a member that re-offers in a loop (createMesh, real signaling and WebRTC)', () => {
  it('200 fresh-session offers: live connections stay few, victim signals within its limit', async () => {
    const r = await startRoom();
    const peak = await offerLoop(r);
    // Measured: peak 5 live RTCPeerConnections in this process (victim's and honest's links).
    expect(peak).toBeLessThanOrEqual(16);
    othersUntouched(r);
  });

  // Was a HOLE (CPU): every offer in a new session replaced the slot's link (`ConnectionManager.
  // handleSignal`: "replaced by a new session"), so each one built a new RTCPeerConnection, ICE
  // agent and DTLS transport at the victim, with no budget per member. Measured: 200 offers in
  // ~5 s → 200 connections created (linksCreated +200), ~0.9 s of CPU. Now a session budget per
  // member (`sessionBudget`, decision 0050: 10, refilled 10 a minute) refuses the rest: nothing
  // built, counted `sessionsRefused`, `busy` at most once a refill (6 s).
  it('a member replacing its session 200 times gets at most 20 connections built', async () => {
    const r = await startRoom();
    const { counters } = r.victim.transport.manager;
    const [created, refused] = [counters.linksCreated, counters.sessionsRefused];
    await offerLoop(r);
    othersUntouched(r);
    const built = counters.linksCreated - created;
    console.log(`offer loop: ${built} built, ${counters.sessionsRefused - refused} refused`);
    expect(built).toBeLessThanOrEqual(20);
    // Every offer was built or refused (counted): 200 in all.
    expect(built + counters.sessionsRefused - refused).toBe(200);
  });
});

/** Mallory links to victim properly (offer, answer, the link channels, a hello) and answers pings. */
async function linkedMallory(r: Room): Promise<RTCPeerConnection> {
  const { pc, offer } = await malloryConnection();
  const mallory = new RawMember(pc);
  let applied: Promise<unknown> = Promise.resolve();
  r.client.addEventListener('signal', (e) => {
    const p = e.detail.payload as {
      t: string;
      d: { type: string; sdp?: string; candidate?: RTCIceCandidateInit }[];
    };
    if (p.t !== 'sdp') return;
    for (const d of p.d)
      applied = applied.then(() =>
        d.type === 'answer'
          ? pc.setRemoteDescription({ type: 'answer', sdp: d.sdp! })
          : d.candidate?.candidate
            ? pc.addIceCandidate(d.candidate)
            : undefined,
      );
  });
  r.client.signal('victim', { v: 1, t: 'sdp', s: 'mallory0', d: [{ type: 'offer', sdp: offer }] });
  await mallory.opened();
  mallory.answerPings = true;
  mallory.frame(new Uint8Array(0));
  await until(() => stateOf(r.victim, 'amallory') === 'healthy', 10_000, 'Mallory healthy at victim');
  return pc;
}

/** Opens up to 2,000 in-band channels on Mallory's link; returns how many, and those open 4 s later. */
async function manyChannels(pc: RTCPeerConnection): Promise<{ created: number; open: number }> {
  const channels: RTCDataChannel[] = [];
  for (let i = 0; i < 2_000; i++) {
    try {
      channels.push(pc.createDataChannel(`extra-${i}`));
    } catch {
      break; // libdatachannel: "Too many DataChannels" (the SCTP streams are used up)
    }
  }
  await sleep(4_000);
  return { created: channels.length, open: channels.filter((c) => c.readyState === 'open').length };
}

describe('a member that opens many data channels on its link (createMesh, real WebRTC)', () => {
  it('they stop at the SCTP stream limit; the link, memory and verdicts hold', async () => {
    const r = await startRoom();
    const pc = await linkedMallory(r);
    const rss = process.memoryUsage().rss;
    const { created } = await manyChannels(pc);
    // Measured: 510 created (both ends' streams used up; before decision 0050 all 510 stayed open),
    // +19 MB RSS for both ends in this process.
    expect(created).toBeGreaterThan(100);
    expect(created).toBeLessThanOrEqual(1024);
    expect((process.memoryUsage().rss - rss) / 2 ** 20).toBeLessThan(128);
    expect(stateOf(r.victim, 'amallory')).toBe('healthy');
    othersUntouched(r);
  });

  // Was a HOLE (memory, not counted): the victim's simple-peer took every in-band channel the far
  // side opened as its own (`ondatachannel` → `_setupData` replaced `_channel`), kept them all open,
  // and nothing counted them. Measured: 510 extra channels open on one link 4 s later, ~19 MB RSS
  // (both ends here). Now `Link` hands simple-peer the first in-band channel only (the one it
  // expects) and closes any further one at once, counted (`LinkCounters.channelsRefused`).
  it('extra in-band channels are closed by the victim (at most 1 left open)', async () => {
    const r = await startRoom();
    const pc = await linkedMallory(r);
    const { open } = await manyChannels(pc);
    const refused = r.victim.transport.manager.link('amallory')?.counters.channelsRefused ?? 0;
    console.log(`extra channels: ${open} left open, ${refused} refused by the victim`);
    expect(open).toBeLessThanOrEqual(1);
    expect(refused).toBeGreaterThan(100);
    expect(r.victim.transport.manager.counters.channelsRefused).toBe(refused);
    expect(stateOf(r.victim, 'amallory')).toBe('healthy'); // its link itself still runs
    othersUntouched(r);
  });
});
