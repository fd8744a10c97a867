// The field setup shared by the e2e test and the field benchmark: public services, coturn and
// peers placed across the lab (or all on loopback for the baseline), and ways to watch them.
import type { ChildProcess } from 'node:child_process';
import { stopWithin } from '../harness/child-stop.js';
import { labAddress, startLab, type Lab, type LabNs, type LabOptions } from '../harness/lab.js';
import { startTurn, turnPort, type Turn } from '../harness/turn.js';
import { startEdge, startPublic, startTab, type FieldPeer, type Place, type Transition } from './peers.js';

/** Which peers to start, and where (lab mode). */
export interface PeerSpec {
  id: string;
  kind: 'chromium' | 'firefox' | 'edge';
  ns: LabNs;
}

/** The default cast: a Chromium tab and an edge peer in home A (port-preserving NAT), an edge peer
 * in home B (symmetric NAT: relay only), a Firefox tab in the office (TCP 443 only: TURN/TCP). */
export const defaultCast: PeerSpec[] = [
  { id: 'tab-a', kind: 'chromium', ns: 'homeA' },
  { id: 'edge-a', kind: 'edge', ns: 'homeA' },
  { id: 'edge-b', kind: 'edge', ns: 'homeB' },
  { id: 'fox-f', kind: 'firefox', ns: 'office' },
];

/** A running field. */
export interface Field {
  mode: 'lab' | 'loopback';
  lab: Lab | undefined;
  turn: Turn | undefined;
  signalUrl: string;
  pageUrl: string;
  room: string;
  peers: Map<string, FieldPeer>;
  /** Starts one more peer (in `ns` in lab mode). */
  add(spec: PeerSpec): Promise<FieldPeer>;
  close(): Promise<void>;
}

/** TURN settings of a lab field (the signaling server's and coturn's defaults when left out). */
export interface FieldTurnOptions {
  /** Credential lifetime and renewal period handed to the signaling server (seconds). */
  ttlSeconds?: number;
  renewAfterSeconds?: number;
  /** Extra coturn config lines. */
  config?: readonly string[];
}

/** How the field's processes start. */
export interface FieldProcessOptions {
  /** The built edge peer CLI (`ensureEdgePeerBuild()`); default: from source through tsx. */
  edgeMain?: string;
}

/** Starts the field: `lab` (NATs, TURN) or `loopback` (everything on 127.0.0.1, no TURN). The
 * signaling server, coturn and the edge peers each run in a session of their own (`peers.ts`). */
export async function startField(
  mode: 'lab' | 'loopback',
  cast = defaultCast,
  room = 'field',
  labOptions: LabOptions = {},
  turnOptions: FieldTurnOptions = {},
  processes: FieldProcessOptions = {},
): Promise<Field> {
  let lab: Lab | undefined;
  let turn: Turn | undefined;
  let services: ChildProcess | undefined;
  const peers = new Map<string, FieldPeer>();
  /** Peers started and not yet ready (named when the start fails). */
  const starting = new Set<string>();
  // Every step is bounded (test/harness/child-stop.ts) and says what went wrong, so a failed run
  // ends with its error instead of waiting forever on a process that is already gone.
  const close = async (): Promise<void> => {
    const said = (what: string) => (error: unknown) =>
      process.stderr.write(`field: stopping ${what}: ${String(error)}\n`);
    await Promise.all([...peers.values()].map((p) => p.stop().catch(said(p.id))));
    if (services)
      await stopWithin(services, 'public services', { graceMs: 5_000 }).catch(said('public services'));
    await turn?.stop().catch(said('coturn'));
    await lab?.close();
  };
  try {
    let place: (ns: LabNs) => Place = () => ({});
    let env: Record<string, string> = {};
    if (mode === 'lab') {
      lab = await startLab(labOptions);
      turn = await startTurn(lab, undefined, turnOptions.config);
      const l = lab;
      place = (ns) => ({ lab: l, ns });
      // Everything public on port 443, the one port the office firewall lets out.
      env = {
        SIGNAL_HOST: labAddress.signal,
        SIGNAL_PORT: String(turnPort),
        PAGE_HOST: labAddress.page,
        PAGE_PORT: String(turnPort),
        TURN_SECRET: turn.secret,
        // STUN too (on coturn's second address): an edge peer has no other way to learn its
        // server-reflexive address, and a link between two port-preserving NATs needs it.
        TURN_URLS: turn.urls.join(','),
      };
      if (turnOptions.ttlSeconds !== undefined) env['TURN_TTL_SECONDS'] = String(turnOptions.ttlSeconds);
      if (turnOptions.renewAfterSeconds !== undefined)
        env['TURN_RENEW_SECONDS'] = String(turnOptions.renewAfterSeconds);
    }
    const pub = await startPublic(place('public'), env);
    services = pub.child;
    const add = async (spec: PeerSpec): Promise<FieldPeer> => {
      starting.add(spec.id);
      const peer =
        spec.kind === 'edge'
          ? await startEdge(place(spec.ns), pub.signalUrl, room, spec.id, processes.edgeMain)
          : await startTab(place(spec.ns), spec.kind, pub.pageUrl, {
              id: spec.id,
              room,
              signal: pub.signalUrl,
            });
      starting.delete(spec.id);
      peers.set(spec.id, peer);
      return peer;
    };
    await Promise.all(cast.map(add));
    return { mode, lab, turn, signalUrl: pub.signalUrl, pageUrl: pub.pageUrl, room, peers, add, close };
  } catch (error) {
    // Said before the teardown, which takes a while: the cause comes first.
    process.stderr.write(
      `field: start failed: ${String(error)}; ready: ${[...peers.keys()].join(', ') || 'none'}; not ready: ${[...starting].join(', ') || 'none'}; tearing down\n`,
    );
    await close();
    throw error;
  }
}

/** Polls until `check` holds for every observer's view; returns when (ms after `t0`) each did. */
export async function untilEvery(
  observers: FieldPeer[],
  check: (view: Awaited<ReturnType<FieldPeer['view']>>) => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const done = new Set<string>();
  const last: Record<string, unknown> = {};
  while (done.size < observers.length) {
    for (const o of observers) {
      if (done.has(o.id)) continue;
      const view = await o.view();
      last[o.id] = view;
      if (check(view)) done.add(o.id);
    }
    if (done.size === observers.length) return;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last views: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** For each observer, its first move of `victim` to `to` at or after `sinceMs` (wall ms, reason). */
export async function firstTransition(
  observers: FieldPeer[],
  victim: string,
  to: string,
  sinceMs: number,
): Promise<Map<string, Transition | undefined>> {
  const found = new Map<string, Transition | undefined>();
  for (const o of observers)
    found.set(
      o.id,
      (await o.transitions()).find((x) => x.peer === victim && x.to === to && x.t >= sinceMs),
    );
  return found;
}
