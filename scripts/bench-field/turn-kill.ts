// `turn-kill`: coturn SIGKILLed with every peer healthy: what each peer's UI shows over the next
// minute (relayed links fail; the right view is "unreachable", not crashed, where the witness can tell).
import { startField } from '../../test/field/field.js';
import { allHealthy, cast, failedSince, fieldProcesses, record, sleep, snapshot } from './common.js';

export async function turnKill(): Promise<void> {
  const field = await startField('lab', cast, 'turn-kill', {}, {}, fieldProcesses());
  try {
    await allHealthy(field);
    await sleep(5_000);
    const before = await snapshot(field);
    const t0 = Date.now();
    await field.turn!.kill();
    const timeline: { atMs: number; views: Record<string, unknown> }[] = [];
    while (Date.now() - t0 < 60_000) {
      await sleep(5_000);
      timeline.push({ atMs: Date.now() - t0, views: await snapshot(field) });
    }
    const failed = await failedSince(field, t0);
    record('turnKill', {
      command: 'bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-field.ts turn-kill',
      at: new Date(t0).toISOString(),
      peers: cast,
      before,
      failedAfterKill: failed.map((f) => ({ ...f, afterMs: f.t - t0 })),
      timeline,
    });
    console.log(`turn-kill: ${failed.length} failed transitions within 60 s; last views:`);
    console.log(JSON.stringify(timeline.at(-1)?.views, null, 1));
  } finally {
    await field.close();
  }
}
