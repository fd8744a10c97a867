// Field benchmark: real browsers and edge peers behind NATs and a firewall in the network lab
// (test/harness/lab.ts), links through coturn, every peer on stock defaults. Writes its section of
// bench-results/field.json (merged with the others already there) and prints a summary.
//
//   bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-field.ts <what>
//     detect [--runs N]    crash and hang detection by victim, lab and loopback baseline
//     turn-kill            coturn SIGKILLed mid-run: what every peer's UI shows
//     soak [--minutes M]   M minutes (default 10) across the NATs at 2 % loss: false `failed`
//     delay [--ms D] [--jitter J] [--minutes M]
//                          D ms (default 40) + 0-J ms (default 10) each way on every access link,
//                          M minutes (default 3) with 2 % loss, then a SIGKILL and a hang
//     renewal [--minutes M] M minutes (default 10) of relayed links with 60 s TURN credentials
//                          renewed every 30 s: link-downs, suspicions, and what coturn said to the
//                          refreshes made with expired credentials
//     all [--quick]        detect (2 runs; 1 quick), turn-kill, soak (10 min; 1 quick)
//     floors               judges the floors again from the sections in the file (no run)
//
// One file per scenario in scripts/bench-field/ (`common.ts`: the cast, the result file, waiting
// and faults; `floors.ts`: the file's floors, recomputed from its current sections on every write,
// which `pnpm bench:check` judges). Each section records its commit and the load averages.
// The lab is torn down on every exit (lab.ts); every wait is bounded (test/harness/child-stop.ts),
// and each command gives up past a time budget, listing what still runs. Machine: 2 cores shared
// with other work; say so.
import { parseArgs } from 'node:util';
import { describeDescendants } from '../test/harness/child-stop.js';
import { delayed } from './bench-field/delay.js';
import { rejudgeFloors } from './bench-field/common.js';
import { detect } from './bench-field/detect.js';
import { renewal } from './bench-field/renewal.js';
import { soak } from './bench-field/soak.js';
import { turnKill } from './bench-field/turn-kill.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    minutes: { type: 'string' },
    runs: { type: 'string' },
    quick: { type: 'boolean' },
    ms: { type: 'string' },
    jitter: { type: 'string' },
  },
});
const what = positionals[0];

/** The longest each command may run (minutes): past it, the run waits on something that will not
 * come, and it exits 1 naming every process still running instead of holding the heavy lock
 * (every wait in the field is bounded on its own; this is the backstop). */
const minutes = Number(values.minutes ?? (what === 'delay' ? 3 : 10));
const runs = Number(values.runs ?? 2);
const budgetMin: Record<string, number> = {
  detect: 6 * runs + 4,
  'turn-kill': 8,
  soak: minutes + 8,
  delay: minutes + 12,
  renewal: minutes + 8,
  all: 6 * (values.quick ? 1 : 2) + 4 + 8 + (values.quick ? 1 : 10) + 8,
};
const budget = budgetMin[what ?? ''];
if (budget !== undefined)
  setTimeout(() => {
    console.error(
      `bench-field ${what}: still running after ${budget} min, its longest expected run: giving up. Still running:\n${describeDescendants().join('\n')}`,
    );
    process.exit(1); // the lab's exit hook and every child's pdeathsig tear the rest down
  }, budget * 60_000).unref();

if (what === 'soak') await soak(minutes);
else if (what === 'delay') await delayed(Number(values.ms ?? 40), Number(values.jitter ?? 10), minutes);
else if (what === 'detect') await detect(runs);
else if (what === 'turn-kill') await turnKill();
else if (what === 'renewal') await renewal(minutes);
else if (what === 'floors') console.log(JSON.stringify(rejudgeFloors(), null, 2));
else if (what === 'all') {
  await detect(values.quick ? 1 : 2);
  await turnKill();
  await soak(values.quick ? 1 : 10);
} else {
  console.error(
    'usage: bench-field.ts detect [--runs N] | turn-kill | soak [--minutes M] | delay [--ms D] [--jitter J] [--minutes M] | renewal [--minutes M] | all [--quick] | floors',
  );
  process.exit(2);
}
