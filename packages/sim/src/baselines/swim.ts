/**
 * Baseline `swim`: SWIM (Das, Gupta, Motivala 2002) with the Lifeguard extensions (Dadgar et al.
 * 2018) as HashiCorp memberlist 0.2.2 runs them with `DefaultLANConfig` (comparison only; not product
 * code), calibrated against real memberlist processes (`bench-results/real-peers.json`):
 *
 * - Probe: every protocol period (1 s, stretched to (score + 1) s by Lifeguard awareness after
 *   failures) ping the next member of a shuffled round robin; a suspect also gets the suspicion so it
 *   can refute. No ack within 500 ms: ask 3 random alive members to ping it (ping-req), each answering
 *   with a nack if the target stays silent 500 ms, and ping it "over TCP" (modelled as the same ping
 *   retried at +0, +200 and +400 ms, as TCP retransmits). No ack by the end of the period: suspect it.
 * - Awareness (0-7): −1 per answered probe, +1 per missing nack of a failed one (+1 if none was
 *   expected), +1 per refutation.
 * - Dynamic suspicion: starts at 6 × min, min = 4 · max(1, log10 N) s; each distinct accuser shrinks
 *   it towards min (2 expected), see `swim-suspicion.ts`; then the member is dead and that is gossiped.
 * - Dissemination: updates piggyback on every message and a gossip timer sends pending ones to 3
 *   random members (alive, suspect, or dead < 30 s) every 200 ms; each is sent
 *   4 · ceil(log10(N + 1)) times, least-sent first, within 1,400 bytes.
 * - Push-pull: every 30 s (scaled up past 32 members) the whole member table is exchanged with one
 *   random member and merged (a member the other side thinks dead is only suspected), which heals
 *   partitions and stale incarnations.
 *
 * Not modelled (the rest of the difference to real memberlist is measured, see the README): TCP as a
 * real stream (the fallback and push-pull are single lossy messages here), reaping dead members,
 * and real sockets and schedulers.
 */
import type { DetectorEvent, Outgoing, PeerId, PeerState, Random, StepResult } from '@pulsemesh/core';
import { randomInt } from '@pulsemesh/core';
import type { SimNode, SimNodeInit, Strategy } from '../sim-node.js';
import { BroadcastQueue } from './swim-broadcasts.js';
import { decodeSwim, encodeSwim, SwimType, type SwimUpdate, UpdateKind } from './swim-codec.js';
import { Suspicion, suspicionTimeoutMs } from './swim-suspicion.js';

/** memberlist `DefaultLANConfig` values this baseline uses. */
export const swimLanDefaults = {
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  retransmitMult: 4,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  gossipToTheDeadMs: 30_000,
  pushPullIntervalMs: 30_000,
  tcpRetryMs: 200,
  awarenessMaxMultiplier: 8,
  packetBytesMax: 1400,
} as const;
export type SwimConfig = { -readonly [K in keyof typeof swimLanDefaults]: number };

/** memberlist `suspicionTimeout` for this config: the minimum suspicion at group size `n`, ms. */
export function swimSuspicionTimeoutMs(config: SwimConfig, n: number): number {
  return suspicionTimeoutMs(config.suspicionMult, n, config.probeIntervalMs);
}

/** memberlist `retransmitLimit`: mult · ceil(log10(n + 1)). */
export function swimRetransmitLimit(config: SwimConfig, n: number): number {
  return config.retransmitMult * Math.ceil(Math.log10(n + 1));
}

interface Member {
  state: 'alive' | 'suspect' | 'dead' | 'left';
  incarnation: number;
  changedMs: number;
  suspicion: Suspicion | null;
}
interface Probe {
  target: PeerId;
  seq: number;
  sentMs: number;
  endMs: number;
  acked: boolean;
  indirect: boolean;
  expectedNacks: number;
  nacks: number;
  /** Pending "TCP" retries of the fallback ping, ms. */
  fallbacks: number[];
}
interface Relay {
  requester: PeerId;
  seq: number;
  nackAtMs: number;
}

const STATE: Record<Member['state'], PeerState> = {
  alive: 'healthy',
  suspect: 'suspected',
  dead: 'failed',
  left: 'left',
};

/** A SWIM + Lifeguard member as a sans-IO node. */
export class SwimNode implements SimNode {
  private readonly members = new Map<PeerId, Member>();
  private readonly order: PeerId[] = [];
  private probeIndex = 0;
  private incarnation: number;
  private seq = 1;
  private score = 0;
  private probe: Probe | undefined;
  private nextProbeMs: number;
  private readonly gossipPhaseMs: number;
  private nextGossipMs: number;
  private nextPushPullMs: number;
  private readonly relays = new Map<number, Relay>();
  private readonly broadcasts = new BroadcastQueue();
  private readonly suspects = new Set<PeerId>();
  private running = true;
  private sends: Outgoing[] = [];
  private events: DetectorEvent[] = [];

  constructor(
    private readonly id: PeerId,
    incarnation: number,
    nowMs: number,
    private readonly random: Random,
    private readonly config: SwimConfig = { ...swimLanDefaults },
  ) {
    this.incarnation = incarnation;
    this.nextProbeMs = nowMs + random.next() * config.probeIntervalMs;
    this.gossipPhaseMs = nowMs + random.next() * config.gossipIntervalMs;
    this.nextGossipMs = this.gossipPhaseMs;
    this.nextPushPullMs = nowMs + random.next() * config.pushPullIntervalMs;
    this.queue({ kind: UpdateKind.alive, incarnation, id });
  }

  linkUp(peer: PeerId, nowMs: number): StepResult {
    if (!this.members.has(peer)) this.addMember(peer, 0, nowMs);
    return this.flush();
  }
  linkDown(): StepResult {
    return this.flush();
  }

  tick(nowMs: number): StepResult {
    if (!this.running) return this.flush();
    const p = this.probe;
    if (p && !p.acked && !p.indirect && nowMs >= p.sentMs + this.config.probeTimeoutMs)
      this.sendIndirect(p, nowMs);
    while (p && !p.acked && p.fallbacks.length > 0 && nowMs >= (p.fallbacks[0] as number)) {
      p.fallbacks.shift();
      this.send(p.target, SwimType.ping, p.seq);
    }
    if (p && !p.acked && nowMs >= p.endMs) this.probeFailed(p, nowMs);
    if ((!this.probe || this.probe.acked) && nowMs >= this.nextProbeMs) this.startProbe(nowMs);
    for (const [seq, r] of this.relays)
      if (nowMs >= r.nackAtMs) {
        this.relays.delete(seq);
        this.send(r.requester, SwimType.nack, r.seq);
      }
    for (const peer of this.suspects) {
      const m = this.members.get(peer) as Member;
      if (m.suspicion && nowMs >= m.suspicion.deadlineMs) this.markDead(peer, m, 'suspicion-timeout', nowMs);
    }
    if (nowMs >= this.nextGossipMs) this.gossip(nowMs);
    if (nowMs >= this.nextPushPullMs) this.pushPull(nowMs);
    return this.flush();
  }

  receive(from: PeerId, bytes: Uint8Array, nowMs: number): StepResult {
    const m = decodeSwim(bytes);
    if (!m) {
      this.events.push({
        type: 'decode-error',
        detail: { peer: from, error: 'bad swim message', atMs: nowMs, count: 1 },
      });
      return this.flush();
    }
    if (!this.running) return this.flush();
    const table = m.type === SwimType.pushPull || m.type === SwimType.pushPullReply;
    for (const u of m.updates) {
      // memberlist `mergeState`: a member the other side thinks dead is only suspected, by us.
      if (table && (u.kind === UpdateKind.dead || u.kind === UpdateKind.suspect))
        this.apply({ kind: UpdateKind.suspect, incarnation: u.incarnation, id: u.id, from: this.id }, nowMs);
      else this.apply(u, nowMs);
    }
    if (m.type === SwimType.ping) this.send(from, SwimType.ack, m.seq);
    else if (m.type === SwimType.pingReq) {
      const seq = this.seq++;
      this.relays.set(seq, { requester: from, seq: m.seq, nackAtMs: nowMs + this.config.probeTimeoutMs });
      this.send(m.target, SwimType.ping, seq);
    } else if (m.type === SwimType.ack) {
      const p = this.probe;
      if (p && p.seq === m.seq && !p.acked) {
        p.acked = true;
        this.adjustScore(-1);
      }
      const r = this.relays.get(m.seq);
      if (r) {
        this.relays.delete(m.seq);
        this.send(r.requester, SwimType.ack, r.seq);
      }
    } else if (m.type === SwimType.nack && this.probe?.seq === m.seq) this.probe.nacks++;
    else if (m.type === SwimType.pushPull || m.type === SwimType.pushPullReply) {
      // `updates` was the whole table: already merged by `apply`, except dead/suspect (see below).
      if (m.type === SwimType.pushPull) this.sendState(from, SwimType.pushPullReply);
    }
    return this.flush();
  }

  leave(nowMs: number): StepResult {
    this.queue({ kind: UpdateKind.left, incarnation: this.incarnation, id: this.id });
    const fanout = swimRetransmitLimit(this.config, this.members.size + 1);
    for (const t of this.sampleAlive(fanout, undefined)) this.send(t, SwimType.gossip, 0);
    this.running = false;
    void nowMs;
    return this.flush();
  }

  nextDeadlineMs(): number {
    if (!this.running) return Infinity;
    const p = this.probe;
    let d = !p || p.acked ? this.nextProbeMs : p.endMs;
    if (p && !p.acked && !p.indirect) d = Math.min(d, p.sentMs + this.config.probeTimeoutMs);
    if (p && !p.acked && p.fallbacks.length > 0) d = Math.min(d, p.fallbacks[0] as number);
    if (this.nextPushPullMs < d) d = this.nextPushPullMs;
    for (const r of this.relays.values()) if (r.nackAtMs < d) d = r.nackAtMs;
    for (const peer of this.suspects) {
      const s = (this.members.get(peer) as Member).suspicion;
      if (s && s.deadlineMs < d) d = s.deadlineMs;
    }
    // The gossip timer only matters with something to send.
    if (this.broadcasts.size > 0 && this.nextGossipMs < d) d = this.nextGossipMs;
    return d;
  }

  private startProbe(nowMs: number): void {
    const n = this.order.length;
    // A late tick (failed probe, stalled node) starts at once, as memberlist's ticker does.
    this.nextProbeMs = Math.max(this.nextProbeMs + this.config.probeIntervalMs, nowMs + 1);
    this.probe = undefined;
    for (let tries = 0; tries < n; tries++) {
      if (this.probeIndex >= n) {
        this.probeIndex = 0;
        this.shuffleOrder();
      }
      const target = this.order[this.probeIndex++] as PeerId;
      const m = this.members.get(target);
      if (!m || m.state === 'dead' || m.state === 'left') continue;
      const seq = this.seq++;
      const intervalMs = this.config.probeIntervalMs * (this.score + 1);
      this.probe = {
        target,
        seq,
        sentMs: nowMs,
        endMs: nowMs + intervalMs,
        acked: false,
        indirect: false,
        expectedNacks: 0,
        nacks: 0,
        fallbacks: [],
      };
      // A suspect gets the suspicion with the ping, so it can refute at once.
      const extra: SwimUpdate[] =
        m.state === 'suspect'
          ? [{ kind: UpdateKind.suspect, incarnation: m.incarnation, id: target, from: this.id }]
          : [];
      this.send(target, SwimType.ping, seq, '', extra);
      return;
    }
  }

  private sendIndirect(p: Probe, nowMs: number): void {
    p.indirect = true;
    for (const via of this.sampleAlive(this.config.indirectChecks, p.target)) {
      p.expectedNacks++;
      this.send(via, SwimType.pingReq, p.seq, p.target);
    }
    for (let k = 0; k < 3; k++) {
      const at = nowMs + k * this.config.tcpRetryMs;
      if (at < p.endMs) p.fallbacks.push(at);
    }
  }

  /** memberlist `pushPull`: the whole table to one random member, every 30 s (longer past 32 members). */
  private pushPull(nowMs: number): void {
    const n = this.members.size + 1;
    const scale = n <= 32 ? 1 : Math.ceil(Math.log2(n) - Math.log2(32)) + 1;
    this.nextPushPullMs = nowMs + this.config.pushPullIntervalMs * scale;
    const [peer] = this.sampleAlive(1, undefined);
    if (peer !== undefined) this.sendState(peer, SwimType.pushPull);
  }

  private sendState(to: PeerId, type: SwimType): void {
    const kinds = {
      alive: UpdateKind.alive,
      suspect: UpdateKind.suspect,
      dead: UpdateKind.dead,
      left: UpdateKind.left,
    };
    const updates: SwimUpdate[] = [{ kind: UpdateKind.alive, incarnation: this.incarnation, id: this.id }];
    for (const [id, m] of this.members)
      updates.push({
        kind: kinds[m.state],
        incarnation: m.incarnation,
        id,
        ...(m.state === 'suspect' ? { from: '' } : {}),
      });
    this.sends.push({ to, bytes: encodeSwim({ type, seq: 0, target: '', updates }) });
  }

  private probeFailed(p: Probe, nowMs: number): void {
    this.probe = undefined;
    this.adjustScore(p.expectedNacks > 0 ? Math.max(0, p.expectedNacks - p.nacks) : 1);
    const m = this.members.get(p.target);
    if (m)
      this.suspect(
        { kind: UpdateKind.suspect, incarnation: m.incarnation, id: p.target, from: this.id },
        nowMs,
      );
  }

  private adjustScore(delta: number): void {
    this.score = Math.max(0, Math.min(this.config.awarenessMaxMultiplier - 1, this.score + delta));
  }

  private gossip(nowMs: number): void {
    const step = this.config.gossipIntervalMs;
    this.nextGossipMs = this.gossipPhaseMs + (Math.floor((nowMs - this.gossipPhaseMs) / step) + 1) * step;
    if (this.broadcasts.size === 0) return;
    const targets = this.sampleMembers(
      this.config.gossipNodes,
      (_id, m) =>
        m.state === 'alive' ||
        m.state === 'suspect' ||
        (m.state === 'dead' && nowMs - m.changedMs <= this.config.gossipToTheDeadMs),
    );
    for (const t of targets) {
      if (this.broadcasts.size === 0) return;
      this.send(t, SwimType.gossip, 0);
    }
  }

  /** memberlist `suspectNode`: a suspicion from `u.from` (this node, or gossip). */
  private suspect(u: SwimUpdate, nowMs: number): void {
    const m = this.members.get(u.id);
    if (!m || u.incarnation < m.incarnation) return;
    const from = u.from ?? '';
    if (m.suspicion) {
      if (m.suspicion.confirm(from)) this.queue(u);
      return;
    }
    if (m.state !== 'alive') return;
    this.queue(u);
    const n = this.members.size + 1;
    const k = n - 2 < this.config.suspicionMult - 2 ? 0 : this.config.suspicionMult - 2;
    const min = swimSuspicionTimeoutMs(this.config, n);
    m.incarnation = u.incarnation;
    m.suspicion = new Suspicion(from, k, min, this.config.suspicionMaxTimeoutMult * min, nowMs);
    this.setState(u.id, m, 'suspect', from === this.id ? 'probe-timeout' : 'gossip-suspect', nowMs);
  }

  private markDead(peer: PeerId, m: Member, reason: string, nowMs: number): void {
    this.setState(peer, m, 'dead', reason, nowMs);
    this.queue({ kind: UpdateKind.dead, incarnation: m.incarnation, id: peer });
  }

  private refute(accused: number): void {
    this.incarnation = Math.max(this.incarnation, accused) + 1;
    this.adjustScore(1);
    this.queue({ kind: UpdateKind.alive, incarnation: this.incarnation, id: this.id });
  }

  private apply(u: SwimUpdate, nowMs: number): void {
    if (u.id === this.id) {
      if ((u.kind === UpdateKind.suspect || u.kind === UpdateKind.dead) && u.incarnation >= this.incarnation)
        this.refute(u.incarnation);
      return;
    }
    const m = this.members.get(u.id);
    if (u.kind === UpdateKind.suspect) return this.suspect(u, nowMs);
    if (!m) {
      if (u.kind === UpdateKind.alive) {
        this.addMember(u.id, u.incarnation, nowMs);
        this.queue(u);
      }
      return;
    }
    if (u.kind === UpdateKind.alive) {
      if (u.incarnation <= m.incarnation) return;
      m.incarnation = u.incarnation;
      if (m.state !== 'alive') this.setState(u.id, m, 'alive', 'refuted', nowMs);
    } else if (u.kind === UpdateKind.dead) {
      if (u.incarnation < m.incarnation || m.state === 'dead' || m.state === 'left') return;
      m.incarnation = u.incarnation;
      this.setState(u.id, m, 'dead', 'gossip-dead', nowMs);
    } else {
      if (u.incarnation < m.incarnation || m.state === 'left') return;
      m.incarnation = u.incarnation;
      this.setState(u.id, m, 'left', 'left', nowMs);
      this.events.push({ type: 'leave', detail: { peer: u.id, atMs: nowMs } });
    }
    this.queue(u);
  }

  private addMember(peer: PeerId, incarnation: number, nowMs: number): void {
    this.members.set(peer, { state: 'alive', incarnation, changedMs: nowMs, suspicion: null });
    this.order.splice(randomInt(this.random, this.order.length + 1), 0, peer);
    this.events.push({ type: 'join', detail: { peer, atMs: nowMs } });
  }

  private setState(peer: PeerId, m: Member, to: Member['state'], reason: string, nowMs: number): void {
    const from = STATE[m.state];
    m.state = to;
    m.changedMs = nowMs;
    if (to === 'suspect') this.suspects.add(peer);
    else {
      this.suspects.delete(peer);
      m.suspicion = null;
    }
    this.events.push({ type: 'status-change', detail: { peer, from, to: STATE[to], reason, atMs: nowMs } });
  }

  /** Up to `k` distinct random alive members other than `except` (memberlist `kRandomNodes`). */
  private sampleAlive(k: number, except: PeerId | undefined): PeerId[] {
    return this.sampleMembers(k, (id, m) => m.state === 'alive' && id !== except);
  }

  private sampleMembers(k: number, ok: (id: PeerId, m: Member) => boolean): PeerId[] {
    const picked = new Set<PeerId>();
    const n = this.order.length;
    for (let tries = 0; tries < 3 * n && tries < 4 * k + 8 && picked.size < k && n > 0; tries++) {
      const id = this.order[randomInt(this.random, n)] as PeerId;
      if (ok(id, this.members.get(id) as Member)) picked.add(id);
    }
    if (picked.size < k) {
      const rest = this.order.filter((id) => !picked.has(id) && ok(id, this.members.get(id) as Member));
      while (picked.size < k && rest.length > 0) {
        const j = randomInt(this.random, rest.length);
        picked.add(rest[j] as PeerId);
        rest[j] = rest[rest.length - 1] as PeerId;
        rest.pop();
      }
    }
    return [...picked];
  }

  private shuffleOrder(): void {
    for (let i = this.order.length - 1; i > 0; i--) {
      const j = randomInt(this.random, i + 1);
      const t = this.order[i] as PeerId;
      this.order[i] = this.order[j] as PeerId;
      this.order[j] = t;
    }
  }

  private queue(update: SwimUpdate): void {
    this.broadcasts.push(update);
  }

  private send(to: PeerId, type: SwimType, seq: number, target = '', extra: SwimUpdate[] = []): void {
    const limit = swimRetransmitLimit(this.config, this.members.size + 1);
    const budget = this.config.packetBytesMax - 7 - target.length - extra.length * 16;
    const updates = this.broadcasts.size > 0 ? this.broadcasts.take(budget, limit) : [];
    this.sends.push({ to, bytes: encodeSwim({ type, seq, target, updates: [...extra, ...updates] }) });
  }

  private flush(): StepResult {
    const r = { sends: this.sends, events: this.events };
    this.sends = [];
    this.events = [];
    return r;
  }
}

/** The `swim` strategy: SWIM + Lifeguard with memberlist's LAN defaults. */
export function swimStrategy(config: SwimConfig = { ...swimLanDefaults }): Strategy {
  return {
    name: 'swim',
    preset: 'lan-defaults',
    create: (init: SimNodeInit) => new SwimNode(init.id, init.incarnation, init.nowMs, init.random, config),
  };
}
