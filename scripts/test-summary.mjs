// Prints the closing line of `pnpm test`: "tests: N passed, N failed" over vitest and
// web-test-runner, and exits non-zero when any test or step failed (argv[2] = failed steps).
import { existsSync, readFileSync } from 'node:fs';

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);
const vitest = read('.tmp/results/vitest.json');
const wtr = read('.tmp/results/wtr.json');
const failedSteps = Number(process.argv[2] ?? 0);
const passed = (vitest?.numPassedTests ?? 0) + (wtr?.passed ?? 0);
const failed = (vitest?.numFailedTests ?? 0) + (wtr?.failed ?? 0) + (wtr?.erroredFiles ?? 0);
const skipped = (vitest?.numPendingTests ?? 0) + (vitest?.numTodoTests ?? 0) + (wtr?.skipped ?? 0);
console.log(
  `node: vitest ${vitest ? 'ran' : 'did not run'}, browser: web-test-runner ${wtr ? 'ran' : 'did not run'}`,
);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failedSteps > 0 || failed > 0 || !vitest || !wtr ? 1 : 0);
