/**
 * Baseline `swim`: plain SWIM (Das, Gupta, Motivala 2002) with memberlist's LAN defaults
 * (comparison only; not product code). Each protocol period (1 s) it pings the next member of a
 * shuffled round-robin list; without an ack within 500 ms it asks 3 random members to ping-req it;
 * without any ack by the end of the period it suspects the member. A suspicion becomes `failed`
 * after a fixed 4 · max(1, log10 N) protocol periods unless the member refutes with a higher
 * incarnation. Membership updates are piggybacked (infection style) on pings and acks, each sent
 * 4 · ceil(log10(N + 1)) times, least-sent first, within 1,400 bytes. No Lifeguard local health, no
 * suspicion confirmations, no phi, no anti-entropy sync.
 */
import type { DetectorEvent, Outgoing, PeerId, PeerState, Random, StepResult } from '@pulsemesh/core';
import { randomInt } from '@pulsemesh/core';
import type { SimNode, SimNodeInit, Strategy } from '../sim-node.js';
import { BroadcastQueue } from './swim-broadcasts.js';
import { decodeSwim, encodeSwim, SwimType, type SwimUpdate, UpdateKind } from './swim-codec.js';

/** memberlist `DefaultLANConfig` values that plain SWIM uses. */
export const swimLanDefaults = {
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  suspicionMult: 4,
  retransmitMult: 4,
  packetBytesMax: 1400,
} as const;
export type SwimConfig = { -readonly [K in keyof typeof swimLanDefaults]: number };

/** memberlist `suspicionTimeout`: mult · max(1, log10(max(1, n))) · interval, ms. */
export function swimSuspicionTimeoutMs(config: SwimConfig, n: number): number {
  return config.suspicionMult * Math.max(1, Math.log10(Math.max(1, n))) * config.probeIntervalMs;
}

/** memberlist `retransmitLimit`: mult · ceil(log10(n + 1)). */
export function swimRetransmitLimit(config: SwimConfig, n: number): number {
  return config.retransmitMult * Math.ceil(Math.log10(n + 1));
}

interface Member {
  state: 'alive' | 'suspect' | 'dead' | 'left';
  incarnation: number;
  suspectUntilMs: number;
}
interface Probe {
  target: PeerId;
  seq: number;
  sentMs: number;
  acked: boolean;
  indirect: boolean;
}

const STATE: Record<Member['state'], PeerState> = {
  alive: 'healthy',
  suspect: 'suspected',
  dead: 'failed',
  left: 'left',
};

/** A plain SWIM member as a sans-IO node. */
export class SwimNode implements SimNode {
  private readonly members = new Map<PeerId, Member>();
  private readonly order: PeerId[] = [];
  private probeIndex = 0;
  private incarnation: number;
  private seq = 1;
  private probe: Probe | undefined;
  private nextProbeMs: number;
  private readonly relays = new Map<number, { requester: PeerId; seq: number; untilMs: number }>();
  private readonly broadcasts = new BroadcastQueue();
  private readonly suspects = new Set<PeerId>();
  /** Earliest suspicion deadline, or earlier (stale after a refutation; `tick` recomputes it). */
  private suspicionMinMs = Infinity;
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
    if (p && !p.acked && !p.indirect && nowMs >= p.sentMs + this.config.probeTimeoutMs) this.sendIndirect(p);
    if (nowMs >= this.nextProbeMs) {
      if (p && !p.acked) this.suspect(p.target, nowMs);
      this.probe = undefined;
      this.startProbe(nowMs);
      this.nextProbeMs = Math.max(this.nextProbeMs + this.config.probeIntervalMs, nowMs + 1);
    }
    if (nowMs >= this.suspicionMinMs) this.expireSuspicions(nowMs);
    for (const [seq, r] of this.relays) if (nowMs >= r.untilMs) this.relays.delete(seq);
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
    for (const u of m.updates) this.apply(u, nowMs);
    if (m.type === SwimType.ping) this.send(from, SwimType.ack, m.seq);
    else if (m.type === SwimType.pingReq) {
      const seq = this.seq++;
      this.relays.set(seq, { requester: from, seq: m.seq, untilMs: nowMs + this.config.probeIntervalMs });
      this.send(m.target, SwimType.ping, seq);
    } else {
      if (this.probe && this.probe.seq === m.seq) this.probe.acked = true;
      const r = this.relays.get(m.seq);
      if (r) {
        this.relays.delete(m.seq);
        this.send(r.requester, SwimType.ack, r.seq);
      }
    }
    return this.flush();
  }

  leave(nowMs: number): StepResult {
    this.queue({ kind: UpdateKind.left, incarnation: this.incarnation, id: this.id });
    const fanout = swimRetransmitLimit(this.config, this.members.size + 1);
    for (const t of this.sampleAlive(fanout, undefined)) this.send(t, SwimType.ping, this.seq++);
    this.running = false;
    void nowMs;
    return this.flush();
  }

  nextDeadlineMs(): number {
    if (!this.running) return Infinity;
    let d = this.nextProbeMs;
    const p = this.probe;
    if (p && !p.acked && !p.indirect) d = Math.min(d, p.sentMs + this.config.probeTimeoutMs);
    if (this.suspicionMinMs < d) d = this.suspicionMinMs;
    return d;
  }

  private startProbe(nowMs: number): void {
    const n = this.order.length;
    for (let tries = 0; tries < n; tries++) {
      if (this.probeIndex >= n) {
        this.probeIndex = 0;
        this.shuffleOrder();
      }
      const target = this.order[this.probeIndex++] as PeerId;
      const m = this.members.get(target);
      if (!m || m.state === 'dead' || m.state === 'left') continue;
      const seq = this.seq++;
      this.probe = { target, seq, sentMs: nowMs, acked: false, indirect: false };
      this.send(target, SwimType.ping, seq);
      return;
    }
  }

  private sendIndirect(p: Probe): void {
    p.indirect = true;
    for (const via of this.sampleAlive(this.config.indirectChecks, p.target))
      this.send(via, SwimType.pingReq, p.seq, p.target);
  }

  private expireSuspicions(nowMs: number): void {
    let earliest = Infinity;
    for (const peer of this.suspects) {
      const m = this.members.get(peer) as Member;
      if (nowMs >= m.suspectUntilMs) {
        this.setState(peer, m, 'dead', 'suspicion-timeout', nowMs);
        this.queue({ kind: UpdateKind.dead, incarnation: m.incarnation, id: peer });
      } else if (m.suspectUntilMs < earliest) earliest = m.suspectUntilMs;
    }
    this.suspicionMinMs = earliest;
  }

  /** Up to `k` distinct random alive members other than `except`: random tries first, a scan if unlucky. */
  private sampleAlive(k: number, except: PeerId | undefined): PeerId[] {
    const picked = new Set<PeerId>();
    const n = this.order.length;
    for (let tries = 0; tries < 4 * k && picked.size < k && n > 0; tries++) {
      const id = this.order[randomInt(this.random, n)] as PeerId;
      if (id !== except && this.members.get(id)?.state === 'alive') picked.add(id);
    }
    if (picked.size < k) {
      const rest = this.aliveMembers(except).filter((id) => !picked.has(id));
      while (picked.size < k && rest.length > 0) {
        const j = randomInt(this.random, rest.length);
        picked.add(rest[j] as PeerId);
        rest[j] = rest[rest.length - 1] as PeerId;
        rest.pop();
      }
    }
    return [...picked];
  }

  private aliveMembers(except: PeerId | undefined): PeerId[] {
    const out: PeerId[] = [];
    for (const [peer, m] of this.members) if (m.state === 'alive' && peer !== except) out.push(peer);
    return out;
  }

  private suspect(peer: PeerId, nowMs: number): void {
    const m = this.members.get(peer);
    if (!m || m.state !== 'alive') return;
    m.suspectUntilMs = nowMs + swimSuspicionTimeoutMs(this.config, this.members.size + 1);
    this.setState(peer, m, 'suspect', 'probe-timeout', nowMs);
    this.queue({ kind: UpdateKind.suspect, incarnation: m.incarnation, id: peer });
  }

  private apply(u: SwimUpdate, nowMs: number): void {
    if (u.id === this.id) {
      if (
        (u.kind === UpdateKind.suspect || u.kind === UpdateKind.dead) &&
        u.incarnation >= this.incarnation
      ) {
        this.incarnation = u.incarnation + 1;
        this.queue({ kind: UpdateKind.alive, incarnation: this.incarnation, id: this.id });
      }
      return;
    }
    const m = this.members.get(u.id);
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
    } else if (u.kind === UpdateKind.suspect) {
      if (u.incarnation < m.incarnation || m.state !== 'alive') return;
      m.incarnation = u.incarnation;
      m.suspectUntilMs = nowMs + swimSuspicionTimeoutMs(this.config, this.members.size + 1);
      this.setState(u.id, m, 'suspect', 'gossip-suspect', nowMs);
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
    this.members.set(peer, { state: 'alive', incarnation, suspectUntilMs: 0 });
    this.order.splice(randomInt(this.random, this.order.length + 1), 0, peer);
    this.events.push({ type: 'join', detail: { peer, atMs: nowMs } });
  }

  private setState(peer: PeerId, m: Member, to: Member['state'], reason: string, nowMs: number): void {
    const from = STATE[m.state];
    m.state = to;
    if (to === 'suspect') {
      this.suspects.add(peer);
      if (m.suspectUntilMs < this.suspicionMinMs) this.suspicionMinMs = m.suspectUntilMs;
    } else this.suspects.delete(peer);
    this.events.push({ type: 'status-change', detail: { peer, from, to: STATE[to], reason, atMs: nowMs } });
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

  private send(to: PeerId, type: SwimType, seq: number, target = ''): void {
    const limit = swimRetransmitLimit(this.config, this.members.size + 1);
    const budget = this.config.packetBytesMax - 7 - target.length;
    const updates = this.broadcasts.size > 0 ? this.broadcasts.take(budget, limit) : [];
    this.sends.push({ to, bytes: encodeSwim({ type, seq, target, updates }) });
  }

  private flush(): StepResult {
    const r = { sends: this.sends, events: this.events };
    this.sends = [];
    this.events = [];
    return r;
  }
}

/** The `swim` strategy with memberlist LAN defaults. */
export function swimStrategy(config: SwimConfig = { ...swimLanDefaults }): Strategy {
  return {
    name: 'swim',
    preset: 'lan-defaults',
    create: (init: SimNodeInit) => new SwimNode(init.id, init.incarnation, init.nowMs, init.random, config),
  };
}
