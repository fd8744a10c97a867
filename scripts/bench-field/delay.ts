// `delay`: the lab's user-space delay bridge on every site's access link, then minutes at 2 % loss
// (false `failed`), then an edge peer SIGKILLed and one hung: what the detector makes of slow links.
import { startField } from '../../test/field/field.js';
import { labSiteHosts } from '../../test/harness/lab.js';
import {
  allHealthy,
  cast,
  failedSince,
  faults,
  faultUntilFailed,
  fieldProcesses,
  healthyObservers,
  record,
  sleep,
  snapshot,
  suspectedSince,
} from './common.js';

/** `ms` each way plus up to `jitterMs` on every access link, so a relayed link between two sites
 * gains 4 × that per round trip; then `minutes` with 2 % loss on top, then a SIGKILL and a hang. */
export async function delayed(ms: number, jitterMs: number, minutes: number): Promise<void> {
  const field = await startField('lab', cast, 'delay', { delay: true }, {}, fieldProcesses());
  try {
    for (const host of labSiteHosts) await field.lab!.setDelay(host, ms, jitterMs);
    const t0 = Date.now();
    await allHealthy(field, 120_000, true);
    const healthyAfterMs = Date.now() - t0;
    await sleep(5_000);
    const paths = await snapshot(field);
    for (const host of labSiteHosts) await field.lab!.setLoss(host, 0.02);
    const start = Date.now();
    console.log(`delay: ${ms} ms + 0-${jitterMs} ms each way, ${minutes} min at 2 % loss`);
    await sleep(minutes * 60_000);
    const failed = await failedSince(field, start);
    const suspected = await suspectedSince(field, start);
    for (const host of labSiteHosts) await field.lab!.setLoss(host, 0);
    const detections: Record<string, Record<string, number | null>> = {};
    for (const { victim, fault, act } of [faults[0]!, faults[2]!]) {
      const target = field.peers.get(victim)!;
      const observers = await healthyObservers(field, victim);
      const { t0: tf, times } = await faultUntilFailed(field, victim, act, observers);
      detections[`${victim} ${fault}`] = Object.fromEntries(
        observers.map((o) => [o.id, times.get(o.id) === undefined ? null : times.get(o.id)! - tf]),
      );
      console.log(`delay: ${victim} ${fault}: ${JSON.stringify(detections[`${victim} ${fault}`])}`);
      await target.stop().catch(() => undefined);
    }
    record('delay', {
      command: `bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-field.ts delay --ms ${ms} --jitter ${jitterMs} --minutes ${minutes}`,
      at: new Date(t0).toISOString(),
      delay: `${ms} ms + uniform 0-${jitterMs} ms each way on every site's access link (user-space delay bridge), so a relayed round trip between two sites gains 4 × that`,
      peers: cast,
      everyoneHealthyAfterMs: healthyAfterMs,
      viewsAtStart: paths,
      soak: {
        minutes,
        loss: '2 %',
        falseFailed: failed.length,
        falseFailedTransitions: failed,
        suspectedTransitionsByObserver: suspected,
      },
      detectMsByObserver: detections,
      coturnFailedRelayedSends: field.turn!.log.filter((l) => l.includes('udp send')).length,
    });
    console.log(`delay: done, ${failed.length} false failed; detection ${JSON.stringify(detections)}`);
  } finally {
    await field.close();
  }
}
