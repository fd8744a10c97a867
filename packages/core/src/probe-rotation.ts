/**
 * SWIM's probe order: round-robin over a shuffled list, reshuffled every round, so each member is
 * probed once per round (bounded worst-case detection, unlike random choice). New members are
 * inserted at a random position; members that stop being probe targets are dropped lazily.
 */
import type { Member } from './member.js';
import { randomInt, shuffle, type Random } from './random.js';

/** Whether `m` should be probed: in the rotation, not left, and reachable or not yet failed. */
export function isProbeEligible(m: Member): boolean {
  return !m.evicted && m.probed && m.state !== 'left' && (m.linked || m.state !== 'failed');
}

/** The probe rotation of one detector. */
export class ProbeRotation {
  private readonly list: Member[] = [];
  private index = 0;

  private readonly random: Random;

  constructor(random: Random) {
    this.random = random;
  }

  /** Makes `m` a probe target (inserted at a random position if not already listed). */
  enroll(m: Member): void {
    m.probed = true;
    if (m.inProbeList) return;
    m.inProbeList = true;
    const i = randomInt(this.random, this.list.length + 1);
    this.list.splice(i, 0, m);
    if (i < this.index) this.index += 1;
  }

  /** The next member to probe, or null when there is none. */
  next(): Member | null {
    for (let guard = 0; guard <= this.list.length + 1; guard++) {
      if (this.index >= this.list.length) {
        let w = 0;
        for (const m of this.list) {
          if (isProbeEligible(m)) this.list[w++] = m;
          else m.inProbeList = false;
        }
        this.list.length = w;
        shuffle(this.random, this.list);
        this.index = 0;
        if (w === 0) return null;
      }
      const m = this.list[this.index++] as Member;
      if (isProbeEligible(m)) return m;
    }
    return null;
  }
}
