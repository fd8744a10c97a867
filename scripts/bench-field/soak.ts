// `soak`: M minutes across the NATs with 2 % loss on every site's access link: false `failed`
// (floor: 0), suspicions, and what coturn closed.
import { startField } from '../../test/field/field.js';
import { labSiteHosts } from '../../test/harness/lab.js';
import { allHealthy, cast, failedSince, record, sleep, snapshot, suspectedSince } from './common.js';
// Edge peers from the build, services in sessions of their own.
import { fieldProcesses } from './common.js';

export async function soak(minutes: number): Promise<void> {
  const field = await startField('lab', cast, 'soak', {}, {}, fieldProcesses());
  try {
    await allHealthy(field);
    const paths = await snapshot(field);
    for (const host of labSiteHosts) await field.lab!.setLoss(host, 0.02);
    const start = Date.now();
    console.log(
      `soak: ${minutes} min at 2 % loss on every site's access link, started ${new Date(start).toISOString()}`,
    );
    while (Date.now() - start < minutes * 60_000) {
      await sleep(30_000);
      const failed = await failedSince(field, start);
      console.log(
        `soak: ${((Date.now() - start) / 60_000).toFixed(1)} min, false failed so far: ${failed.length}`,
      );
    }
    const suspected = await suspectedSince(field, start);
    const failed = await failedSince(field, start);
    const relaySendErrors = field.turn!.log.filter((l) => l.includes('udp send'));
    const closedSessions = field.turn!.log.filter((l) => / closed \(2nd stage\)/.test(l));
    record('soak', {
      command: `bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-field.ts soak --minutes ${minutes}`,
      at: new Date(start).toISOString(),
      minutes,
      loss: '2 % of packets dropped on arrival at each site host and at its router from the host (both directions of the access link of every site: homes A, B, C and the office)',
      peers: cast,
      falseFailed: failed.length,
      falseFailedTransitions: failed,
      suspectedTransitionsByObserver: suspected,
      // coturn closes a whole allocation when a relayed send fails (test/README.md): 0 expected.
      coturnFailedRelayedSends: relaySendErrors.length,
      coturnSessionsClosed: closedSessions.map((l) => l.replace(/^\d+: : /, '')),
      viewsAtStart: paths,
      viewsAtEnd: await snapshot(field),
    });
    console.log(`soak: done, ${failed.length} false failed`);
  } finally {
    await field.close();
  }
}
