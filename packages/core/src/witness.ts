/**
 * The signaling-session witness (decision 0013). Every peer holds a WebSocket to the signaling server;
 * when a process dies its socket is closed by its operating system or browser at once, while a
 * stalled one keeps it open. The server reports how each member's session ended; the runtime hands
 * that to the detector (`Detector.witness`). A `closed-by-peer` witness makes this peer probe the
 * peer at once and twice more within the window (three pings a round); with no answer and no
 * refutation by the end of the window it is `failed` with reason `witnessed`, without the
 * suspicion wait. The window (at least 300 ms: every peer checks, so each check must cover the
 * network's tail) is stretched, when the peer reported stalls in its vital signs, to the longest
 * of them plus two probe timeouts, so a janky tab whose socket resets during a long task answers
 * inside it. `timed-out` and `left` only mark the peer's signaling as lost: they are no crash
 * evidence.
 */
import { MessageType, type Message } from './codec.js';
import { stallToleranceMs } from './config.js';
import { STALL_STARTUP_MS, type DetectorState } from './detector-state.js';
import { RTT_SAMPLES_MAX, type Member } from './member.js';
import { declareFailed } from './membership.js';
import { probeTimeoutMs } from './rtt.js';
import { Spend } from './broadcast-queue.js';
import { sendMember } from './send.js';

/** How a peer's signaling session ended (or that it has a session again). */
export const WitnessKind = {
  /** Close frame without a leave, TCP FIN or RST: what a dying process's socket does. */
  closedByPeer: 'closed-by-peer',
  /** The server's ping or idle timeout: a stalled or cut-off peer, not evidence of a crash. */
  timedOut: 'timed-out',
  /** A graceful leave of the signaling room. */
  left: 'left',
  /** The peer has a signaling session again (joined or reconnected). */
  joined: 'joined',
} as const;
export type WitnessKind = (typeof WitnessKind)[keyof typeof WitnessKind];

/** Pings per round of a witnessed check (independent losses: a round is lost only if all are). */
export const WITNESS_PINGS = 3;
/** Rounds of pings before a verdict: a live peer is failed only if all of them go unanswered. */
export const WITNESS_ROUNDS = 3;
/** Rounds at most (a detector whose timers keep firing late never decides; others push the verdict). */
export const WITNESS_ROUNDS_MAX = 6;
/**
 * Shortest window of a witnessed check (ms), whatever the RTT: about 99 peers check at once and
 * the first to miss decides, so each check must cover the network's tail, not its median (with 5 %
 * loss and a heavy tail, two probe timeouts of ~60 ms missed a live peer about once in a hundred
 * checks: a false `failed` per reset). Default 300: a crash is still failed within ~0.35 s.
 */
export const WITNESS_WINDOW_MS_MIN = 300;
/**
 * Longest stall allowance (ms) of a witnessed check; also the allowance of a hidden tab, which
 * cannot measure its stalls (its timers are throttled to 1 Hz, so their lateness says nothing and
 * `recordLateness` ignores it).
 */
export const WITNESS_STALL_ALLOWANCE_MS_MAX = 3_000;
/** A reported stall shorter than this (ms) is timer noise: it adds to the window as is. */
export const WITNESS_STALL_NOTICE_MS = 50;
/** A stall this many times longer than the one this peer last announced is pushed to every link. */
export const STALL_ANNOUNCE_GROWTH = 1.5;
/** Concurrent witnessed checks (bounded work; a mass failure beyond it takes the normal path). */
export const WITNESS_CHECKS_MAX = 256;
/** A check's start older than this (ms) holds no later check (longer than any window). */
const WITNESS_HELD_FORGET_MS = 10_000;

/**
 * A witnessed check in flight: answered by an ack of a ping sent since it began (or a refutation, or
 * a `joined`), else `failed` after its rounds.
 */
export interface WitnessCheck {
  member: Member;
  incarnation: number;
  /** Sequence number of its first ping: an ack of this or a later ping proves life since the witness. */
  firstSeq: number;
  /** Ping rounds sent so far; the next round (or, after the last, the verdict) is due at `nextRoundMs`. */
  rounds: number;
  nextRoundMs: number;
  /** Time between rounds: the window over {@link WITNESS_ROUNDS}. */
  gapMs: number;
}

/**
 * A reported stall at least this long (ms: a whole probe period of the default) marks a peer with
 * real long tasks, whose witnessed check waits out the whole stall tolerance (see
 * {@link witnessStallAllowanceMs}).
 */
export const WITNESS_LONG_STALL_MS = 250;

/**
 * The silence a witnessed check of `m` must wait out (ms): a peer that reported stalls (`loadMs`, the
 * longest timer lateness it saw lately, after its start-up) may be in one now, its socket reset
 * during it, and another may follow back to back (a tab's long tasks come in runs). Lateness
 * undercounts a stall by up to the time from its start to the peer's next timer, and a peer ticks at
 * least every `probeIntervalMsMax` (`DetectorState.lastTickMs`: also when local health stretched its
 * period, which checkers cannot see), whatever this checker's own period is now, so two such stalls
 * make `2 × (loadMs + probeIntervalMsMax)`. (Until session 10
 * this checker's adaptive period: 200 ms on a lossy network, and a reset tab whose second stall of
 * a run was 75 ms longer than that allowed was failed; `witness.test.ts` seed 1170141372.) A peer that reported a long stall
 * (≥ {@link WITNESS_LONG_STALL_MS}) gets at least what the patient path gives it, the stall
 * tolerance plus its longest stall (`stallToleranceMs` + `stallPatienceMs`): its next stalls can be
 * longer than the ones it reported and two can run into one silence, and the witness must not fail
 * a peer on a silence the patient path tolerates. At most {@link WITNESS_STALL_ALLOWANCE_MS_MAX},
 * which a hidden peer (it cannot measure its stalls) gets in any case; lateness under
 * {@link WITNESS_STALL_NOTICE_MS} is noise and counts as is. A restarted peer's stall memory starts
 * empty (and its start-up, ≥ 10 s, is not remembered): the stall its previous process reported counts
 * for 10 min (`Member.stallBeforeRestartMs`, kept through a reap). A peer whose vital signs this
 * peer has not heard yet counts as one that reported a long stall (a checker restarted seconds
 * before the reset, session 8).
 * Example (default, N ≤ 100: periods up to 300, tolerance 1,700): `loadMs` 100 → 800; 200 → 1,000;
 * 544 → 2,244 (was 1,338: less than a 968 ms stall run into a 985 ms one); 1,400 → 3,000; no vitals
 * → 1,950.
 */
export function witnessStallAllowanceMs(s: DetectorState, m: Member): number {
  const v = m.vitals;
  if (v?.lifecycle === 'hidden') return WITNESS_STALL_ALLOWANCE_MS_MAX;
  // Vitals not heard yet (this peer or the link is new): it may stall like any peer, so it is
  // waited for as one that reported a long stall, not as one that never stalls.
  const reportedMs = v === undefined ? WITNESS_LONG_STALL_MS : v.loadMs;
  // A restarted peer's own stall memory starts empty; its previous process's stalls still count.
  const loadMs = Math.max(reportedMs, m.stallBeforeRestartUntilMs > s.now ? m.stallBeforeRestartMs : 0);
  if (loadMs < WITNESS_STALL_NOTICE_MS) return loadMs;
  const runMs = 2 * (loadMs + s.config.probeIntervalMsMax);
  const patientMs = loadMs < WITNESS_LONG_STALL_MS ? 0 : stallToleranceMs(s.config, s.clusterSize()) + loadMs;
  return Math.min(WITNESS_STALL_ALLOWANCE_MS_MAX, Math.max(runMs, patientMs));
}

/**
 * The window of a witnessed check of `m` (ms): at least {@link WITNESS_WINDOW_MS_MIN} (every peer
 * checks, so each check must cover the network's tail), and for a peer that reported stalls its
 * stall allowance plus two probe timeouts (its answers, queued behind the stall, on their way back).
 * Example: probe timeout 50 ms, `loadMs` 0 → 300; `loadMs` 100 → 900; `loadMs` 400 → 2,200; hidden → 3,100.
 * (Until session 6 the base window was added to the allowance: 300 + allowance.)
 */
export function witnessWindowMs(s: DetectorState, m: Member): number {
  return Math.max(WITNESS_WINDOW_MS_MIN, 2 * witnessProbeTimeoutMs(s, m) + witnessStallAllowanceMs(s, m));
}

/** RTT samples of a link a witnessed check looks back on (each link is sampled about every N periods). */
export const WITNESS_RTT_RECENT_SAMPLES = 4;

/**
 * The probe timeout a witnessed check of `m` waits for its answers (ms): the link's own
 * (`probeTimeoutFor`), but, once the link has 2 samples, no more than twice the longer of its
 * recent round trip ({@link witnessRecentRttMs}: the second longest of its last
 * {@link WITNESS_RTT_RECENT_SAMPLES}) and the path's (`pathRecentRttMs`: the lower median of the
 * last {@link RTT_SAMPLES_MAX} samples over all links), at least `probeTimeoutMsMin`. A link is
 * sampled about once in N periods and its smoothed estimate moves by an eighth a sample, so one
 * old outlier keeps `srtt + 4·rttvar` up for minutes: real tabs' checks of a crashed renderer
 * waited 2 × 250 ms on a link estimated at 63 ± 101 ms whose last ten samples were 2-7 ms (session
 * 10). One recent outlier did the same through the longest of the last 4 and the path's
 * `srtt + 4·rttvar` (decision 0048: [102, 2, 7, 6] → 204 ms; with 2-3 samples, the link's own,
 * [54, 5, 2] → 187 ms; path 20 ± 38 → 172 ms): a slow link or a relay is slow on every sample and
 * keeps its wait, a network slow now is slow in most path samples; a lone spike is a stall of one
 * side, the target's reported in its stall allowance, this peer's own waited out by the check's
 * `awake` rule.
 * Example (min 50, max 250; path samples mostly 2-5 ms): link 63 ± 101, last samples 7, 2, 3, 2 →
 * 50; 102, 2, 7, 6 → 50; 209, 315, 4, 4 → the link's own (≤ 250: two outliers); link 150 ± 10,
 * last samples ~150 → 190 (its own); fewer than 2 samples → its own. During this peer's own
 * start-up its samples are read otherwise: see {@link startupWitnessProbeTimeoutMs} (decision 0023).
 * All this only for a target this peer started well after (`startedAfterItsStartup`: its samples
 * hold no start-up stall of the target); of a peer it started with, session 10's rule
 * (`sharedStartWitnessProbeTimeoutMs`).
 */
export function witnessProbeTimeoutMs(s: DetectorState, m: Member): number {
  const linkMs = s.probeTimeoutFor(m, false);
  if (!startedAfterItsStartup(s, m)) return sharedStartWitnessProbeTimeoutMs(s, m, linkMs);
  if (!s.startupOver()) return startupWitnessProbeTimeoutMs(s, m, linkMs);
  const recentMs = witnessRecentRttMs(m);
  const pathMs = pathRecentRttMs(s);
  if (recentMs === undefined || pathMs === undefined) return linkMs;
  return Math.min(linkMs, Math.max(s.config.probeTimeoutMsMin, Math.ceil(2 * Math.max(pathMs, recentMs))));
}

/**
 * The probe timeout of a witnessed check of a peer this one started with (not
 * `startedAfterItsStartup`): its samples may hold the target's own start-up stalls, which it does
 * not report, and only the wait they set stands between them and a false `failed`
 * (`hostile-dense.ts` seeds 1-8: 110 false `failed` with this rule, 129 when the lone spike was set
 * aside for these too; decision 0048). The link's own, but, once it has
 * {@link WITNESS_RTT_RECENT_SAMPLES} samples, no more than the path's `srtt + 4·rttvar` or twice the
 * longest of its last {@link WITNESS_RTT_RECENT_SAMPLES}, whichever is longer (session 10's rule).
 */
function sharedStartWitnessProbeTimeoutMs(s: DetectorState, m: Member, linkMs: number): number {
  const ring = m.rttSamples;
  const path = s.pathRtt;
  if (ring === null || m.rttSampleCount < WITNESS_RTT_RECENT_SAMPLES || Number.isNaN(path.srttMs))
    return linkMs;
  let recentMs = 0;
  for (let k = 1; k <= WITNESS_RTT_RECENT_SAMPLES; k++)
    recentMs = Math.max(recentMs, ring[(m.rttSampleCount - k) % RTT_SAMPLES_MAX] ?? Infinity);
  const c = s.config;
  const k = c.probeTimeoutRttVarMult;
  const pathMs = probeTimeoutMs(path.srttMs, path.rttVarMs, k, c.probeTimeoutMsMin, c.probeTimeoutMsMax);
  return Math.min(linkMs, Math.max(pathMs, Math.ceil(2 * recentMs)));
}

/**
 * The path's recent round trip (ms): the lower median of this peer's last {@link RTT_SAMPLES_MAX}
 * RTT samples over all links (`DetectorState.pathRttSamples`, one an answered probe); undefined
 * with none. A median, not `srtt + 4·rttvar`: one slow ack (a stall of either side) put the
 * path's estimate of a real tab at 20 ± 38 ms, a 172 ms floor under every witnessed check
 * (decision 0048); a network that is slow now is slow in most of them.
 */
function pathRecentRttMs(s: DetectorState): number | undefined {
  const ring = s.pathRttSamples;
  const n = Math.min(s.pathRttSampleCount, RTT_SAMPLES_MAX);
  if (ring === null || n === 0) return undefined;
  const recent = ring.slice(0, n).sort((x, y) => x - y);
  return recent[(n - 1) >> 1] ?? Infinity;
}

/**
 * `m`'s recent round trip as a witnessed check reads it (ms): the second longest of the link's last
 * {@link WITNESS_RTT_RECENT_SAMPLES} RTT samples, its longest set aside (one spike is not the link);
 * undefined with fewer than 2 samples. Example: 7, 2, 3, 2 → 3; 102, 2, 7, 6 → 7; 2, 223 → 2;
 * 209, 315, 4, 4 → 209; 300, 296 → 296.
 */
export function witnessRecentRttMs(m: Member): number | undefined {
  const ring = m.rttSamples;
  const n = Math.min(m.rttSampleCount, WITNESS_RTT_RECENT_SAMPLES);
  if (ring === null || n < 2) return undefined;
  let longestMs = 0;
  let secondMs = 0;
  for (let k = 1; k <= n; k++) {
    const x = ring[(m.rttSampleCount - k) % RTT_SAMPLES_MAX] ?? Infinity;
    if (x > longestMs) [secondMs, longestMs] = [longestMs, x];
    else if (x > secondMs) secondMs = x;
  }
  return secondMs;
}

/**
 * Whether this peer started at least {@link STALL_STARTUP_MS} into `m`'s life (by the uptime in
 * `m`'s vital signs, its own word: a peer that overstates it only shortens checks of itself): then
 * every RTT sample this peer has of `m` was taken after `m`'s own start-up stall, and any stall in
 * them is this peer's. Peers that started together (a mesh's first seconds, or `m` restarted
 * since) may read `m`'s start-up stalls in their samples, which the check must wait out (`m` does
 * not remember them either): `hostile-dense.ts` seeds 3 and 4 failed a live target at 1-2 more
 * observers each when those were set aside too (decision 0023).
 */
function startedAfterItsStartup(s: DetectorState, m: Member): boolean {
  const v = m.vitals;
  if (v === undefined) return false;
  const uptimeMs = v.uptimeMs + Math.max(0, s.now - m.vitalsAtMs);
  return uptimeMs - (s.now - s.startedMs) >= STALL_STARTUP_MS;
}

/**
 * The probe timeout of a witnessed check this peer runs during its own start-up (`startupOver`) of
 * a peer it started well after (`startedAfterItsStartup`):
 * twice the link's latest RTT sample, or, with none yet, twice the median (the lower one) of the
 * last {@link RTT_SAMPLES_MAX} over all links; at least `probeTimeoutMsMin`, at most the link's own
 * (`probeTimeoutFor`). A peer that is starting stalls (every link opening at once, handshakes,
 * verifying the joins): an ack that came in during such a stall reads as a slow round trip, and the
 * first samples, which set both smoothed estimates (RFC 6298: `srtt + 4·rttvar` = 3 × the first
 * sample), put them at the 250 ms cap for many samples. Real tabs 0.5-9 s old checked a crashed
 * renderer over links whose samples were [120, 10], [74, 4, 6], [100, 4] or none (path
 * 112 ± 121 ms), waited 2 × 250 ms, and were the slowest observer in 5 of 10 samples (session 12,
 * `bench-results/mesh.json`). The latest sample is how the link answers now that the stall is over;
 * a slow link is slow on every sample and keeps its wait (samples ~300: the link's own; one whose
 * acks all miss the probe timeout has none and goes by the path, as it did by the path's estimate,
 * inside the 300 ms window that answers a 280 ms round trip). The stalls set aside are this peer's
 * own, which it does not remember either (`recordLateness`); the peer it checks keeps its whole
 * stall allowance. After start-up the rule above applies, unchanged.
 * A latest sample that is the link's lone spike ({@link witnessRecentRttMs}, smaller) is set aside
 * too: a tab 4.4 s old whose samples of a crashed renderer were [2, 223] waited 2 × 250 ms
 * (decision 0048).
 * Example (min 50): link [120, 10] → 50; [124, 124, 4] → 50; [2, 223] → 50; [300, 296] → the
 * link's own; no sample, path samples mostly 3-10 ms → 50.
 */
function startupWitnessProbeTimeoutMs(s: DetectorState, m: Member, linkMs: number): number {
  let sampleMs: number;
  if (m.rttSamples !== null && m.rttSampleCount > 0) {
    sampleMs = m.rttSamples[(m.rttSampleCount - 1) % RTT_SAMPLES_MAX] ?? Infinity;
    // A latest sample that is the link's lone spike is set aside too (decision 0048: [2, 223] → 2).
    sampleMs = Math.min(sampleMs, witnessRecentRttMs(m) ?? Infinity);
  } else {
    const pathMs = pathRecentRttMs(s);
    if (pathMs === undefined) return linkMs;
    sampleMs = pathMs;
  }
  return Math.min(linkMs, Math.max(s.config.probeTimeoutMsMin, Math.ceil(2 * sampleMs)));
}

/** Applies one witness about `m` (never about this peer: the runtime knows its own session). */
export function applyWitness(s: DetectorState, m: Member, kind: WitnessKind): void {
  s.counters.witnessesReceived += 1;
  if (kind === WitnessKind.joined) {
    // A new session: the peer's process is running (its client reconnected), whatever its links say.
    m.signalingLost = false;
    witnessAnswered(s, m);
    return;
  }
  m.signalingLost = true;
  if (kind !== WitnessKind.closedByPeer) return;
  if (!m.linked || m.state === 'failed' || m.state === 'left' || m.evicted) return;
  // A frozen tab cannot answer but will resume: the patient path (frozenPatienceMult) decides.
  if (m.vitals?.lifecycle === 'frozen') return;
  if (s.witnessChecks.some((c) => c.member === m)) return;
  if (s.witnessChecks.length >= WITNESS_CHECKS_MAX) return;
  const windowMs = witnessWindowMs(s, m);
  const gapMs = windowMs / WITNESS_ROUNDS;
  // One check's rounds per member per window (decision 0040): a session that ends again within a
  // window of the last check's start (a reconnect storm) is held until that window is over, so
  // each reconnect no longer costs the room a round of pings; a crash then is decided a window later.
  const lastMs = s.witnessLastMs.get(m.id);
  const heldUntilMs = lastMs === undefined ? -Infinity : lastMs + windowMs;
  const held = s.now < heldUntilMs;
  if (!held) noteWitnessStart(s, m);
  s.witnessChecks.push({
    member: m,
    incarnation: m.incarnation,
    firstSeq: held ? 0 : pingAll(s, m),
    rounds: held ? 0 : 1,
    nextRoundMs: held ? heldUntilMs : s.now + gapMs,
    gapMs,
  });
  s.counters.witnessChecks += 1;
}

/** Notes that `m`'s check begins its rounds now (bounded: entries older than a window go first). */
function noteWitnessStart(s: DetectorState, m: Member): void {
  const last = s.witnessLastMs;
  if (last.size >= WITNESS_CHECKS_MAX)
    for (const [id, atMs] of last) if (s.now - atMs > WITNESS_HELD_FORGET_MS) last.delete(id);
  if (last.size >= WITNESS_CHECKS_MAX) last.clear(); // all within a window: the bound wins
  last.set(m.id, s.now);
}

/**
 * `m` acked our ping `ackSeq` (direct, not relayed): if the ping was sent since its witnessed check
 * began, the check is answered. Other messages prove nothing: one sent before a crash can arrive
 * late on a heavy-tailed network (or an ack of an older ping), and a crash then went unanswered only
 * by the patient path (decision 0013, seed 1080: 9.4 s).
 */
export function witnessAcked(s: DetectorState, m: Member, ackSeq: number): void {
  const c = s.witnessChecks.find((x) => x.member === m);
  if (
    c !== undefined &&
    c.rounds > 0 &&
    ((ackSeq - c.firstSeq) & 0xffff) <= ((m.sendSeq - c.firstSeq) & 0xffff)
  )
    witnessAnswered(s, m);
}

/** `m`'s check, if any, is answered (an ack of its pings, or a `joined`). */
export function witnessAnswered(s: DetectorState, m: Member): void {
  const i = s.witnessChecks.findIndex((c) => c.member === m);
  if (i < 0) return;
  s.witnessChecks.splice(i, 1);
  s.counters.witnessChecksAnswered += 1;
}

/**
 * Runs due witnessed checks: a round of pings every `gapMs`, the verdict one gap after the last
 * of `WITNESS_ROUNDS` rounds, if this detector was awake through it. A tick that comes more than a
 * gap later than due (this peer stalled, or its timers are throttled) may run before the answers
 * that queued up meanwhile are read, so it sends one more round instead of deciding (at most
 * `WITNESS_ROUNDS_MAX` rounds in all).
 */
export function runWitnessChecks(s: DetectorState): void {
  for (let i = s.witnessChecks.length - 1; i >= 0; i--) {
    const c = s.witnessChecks[i] as WitnessCheck;
    const m = c.member;
    const alive = m.state === 'healthy' || m.state === 'suspected' || m.state === 'recovering';
    if (!alive || m.evicted || m.incarnation !== c.incarnation) {
      s.witnessChecks.splice(i, 1);
      continue;
    }
    if (s.now < c.nextRoundMs) continue;
    if (c.rounds === 0) {
      // A held check (`applyWitness`) begins its rounds now, on the schedule of a fresh one.
      noteWitnessStart(s, m);
      c.gapMs = witnessWindowMs(s, m) / WITNESS_ROUNDS;
      c.rounds = 1;
      c.nextRoundMs = s.now + c.gapMs;
      if (m.linked) c.firstSeq = pingAll(s, m);
      else c.firstSeq = m.sendSeq;
      continue;
    }
    const awake = s.now - c.nextRoundMs <= c.gapMs;
    if ((c.rounds >= WITNESS_ROUNDS && awake) || c.rounds >= WITNESS_ROUNDS_MAX) {
      s.witnessChecks.splice(i, 1);
      declareFailed(s, m, 'witnessed');
      continue;
    }
    c.rounds += 1;
    // An awake tick keeps the rounds on their schedule: re-basing each on a tick that came up to a
    // gap late (a hidden tab's 1 Hz timers against a 1.1 s gap) stretched a 3.3 s window to 6 s.
    c.nextRoundMs = (awake ? c.nextRoundMs : s.now) + c.gapMs;
    if (m.linked) pingAll(s, m);
  }
}

/** The earliest deadline of the witnessed checks (ms): the next round or verdict. */
export function witnessDeadline(s: DetectorState): number {
  let t = Infinity;
  for (const c of s.witnessChecks) t = Math.min(t, c.nextRoundMs);
  return t;
}

/**
 * After a late timer: when the longest recent stall grew well past what this peer last announced
 * (or its memory lapsed and a new one came), push vital signs to every link. Acks carry them too,
 * but each link probes this peer only about every N periods, and a witnessed check of it must
 * wait out its stalls from the first one on (reset-during-stall false `failed`s in the simulator
 * were mostly peers whose checkers had not heard of their stalls yet).
 */
export function announceStall(s: DetectorState): void {
  const stallMs = s.recentStallMs();
  if (stallMs < s.stallAnnouncedMs) s.stallAnnouncedMs = stallMs;
  if (stallMs < WITNESS_STALL_NOTICE_MS || stallMs < STALL_ANNOUNCE_GROWTH * s.stallAnnouncedMs) return;
  s.stallAnnouncedMs = stallMs;
  pushVitals(s);
}

/** Sends this peer's vital signs to every linked peer (a lifecycle change, a longer stall). */
export function pushVitals(s: DetectorState): void {
  for (const m of s.linked) sendVitals(s, m, true);
}

/**
 * Sends this peer's vital signs to `m`; to a new link without piggybacked gossip (it only needs
 * them before its first witnessed check of us: see `witnessStallAllowanceMs`).
 */
export function sendVitals(s: DetectorState, m: Member, piggyback: boolean): void {
  sendMember(
    s,
    m,
    { type: MessageType.vitals, seq: 0, vitals: s.vitals(), updates: [], extensions: [] },
    piggyback,
  );
}

/**
 * Sends a round of pings to `m`; returns the first one's sequence number. The first piggybacks
 * gossip (a check of a quiet member is also a chance to pass news on: without it lan N=1000 lost a
 * leave, decision 0040), free: those copies spend no transmissions, so a member that reconnects
 * over and over cannot drain what this peer owes the others (decision 0045).
 */
function pingAll(s: DetectorState, m: Member): number {
  const ping: Message = { type: MessageType.ping, seq: 0, updates: [], extensions: [] };
  const first = sendMember(s, m, ping, true, [], Spend.free);
  for (let k = 1; k < WITNESS_PINGS; k++)
    sendMember(s, m, { type: MessageType.ping, seq: 0, updates: [], extensions: [] }, false);
  return first;
}
