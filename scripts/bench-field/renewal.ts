// `renewal`: relayed links held for minutes on 60 s TURN credentials, through the clients' permission
// and allocation refreshes made with expired credentials: link-downs, suspicions, coturn's answers.
import { startField, type Field, type PeerSpec } from '../../test/field/field.js';
import type { LinkChange } from '../../test/field/peers.js';
import { allHealthy, failedSince, record, sleep, snapshot, suspectedSince } from './common.js';
// Edge peers from the build, services in sessions of their own.
import { fieldProcesses } from './common.js';

/** Relayed links only: a Chromium tab at home A, an edge peer behind the symmetric NAT, a Firefox
 * tab in the office (TURN over TCP). */
const relayCast: PeerSpec[] = [
  { id: 'tab-a', kind: 'chromium', ns: 'homeA' },
  { id: 'edge-b', kind: 'edge', ns: 'homeB' },
  { id: 'fox-f', kind: 'firefox', ns: 'office' },
];

/** TURN settings of the renewal run: 60 s credentials (the server's floor) renewed every 30 s,
 * coturn's defaults otherwise. Clients refresh their permissions every 4-5 min and their
 * allocations about a minute before the 10 min lifetime runs out, all with the credential the
 * link started with, long expired by then: 10 minutes covers both. (coturn's
 * `max-allocate-lifetime` does not make that faster: Chromium asks for no lifetime and gets 600 s
 * whatever the cap; libjuice, capped, let its allocations time out unrefreshed.) */
const renewalTurn = { ttlSeconds: 60, renewAfterSeconds: 30, config: [] as string[] };

/** Link-downs of every peer since `sinceMs`. */
async function linkDownsSince(field: Field, sinceMs: number): Promise<(LinkChange & { observer: string })[]> {
  const all: (LinkChange & { observer: string })[] = [];
  for (const p of field.peers.values())
    for (const c of await p.linkChanges()) if (!c.up && c.t >= sinceMs) all.push({ ...c, observer: p.id });
  return all;
}

/** coturn's authenticated requests (verbose log) made after the credential they carry expired. */
function requestsAfterExpiry(
  log: string[],
  turnStartedBefore: number,
): Record<string, Record<string, number>> {
  const re =
    /^(\d+): : session \S+: realm <[^>]*> user <(\d+):[^>]+>: incoming packet (\w+) processed, (.*)$/;
  const out: Record<string, Record<string, number>> = {};
  for (const line of log) {
    const m = re.exec(line);
    if (!m || turnStartedBefore / 1000 + Number(m[1]) <= Number(m[2])) continue;
    const byOutcome = (out[m[3]!] ??= {});
    const outcome = m[4] === 'success' ? 'success' : m[4]!;
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
  }
  return out;
}

/** Relayed links held for `minutes` across credential renewals and expiries (`renewalTurn`). */
export async function renewal(minutes: number): Promise<void> {
  const processes = fieldProcesses(); // may build first: before coturn's start time is taken
  // Before coturn starts: its log's timestamps (seconds since its start) added to this are early,
  // so a request counted as after its credential's expiry surely was.
  const turnStartedBefore = Date.now();
  // `verbose`: coturn logs every authenticated request (REFRESH, CREATE_PERMISSION, CHANNEL_BIND).
  const field = await startField(
    'lab',
    relayCast,
    'renewal',
    {},
    {
      ...renewalTurn,
      config: [...renewalTurn.config, 'verbose'],
    },
    processes,
  );
  try {
    await allHealthy(field);
    await sleep(5_000);
    const before = await snapshot(field);
    const start = Date.now();
    console.log(`renewal: ${minutes} min, started ${new Date(start).toISOString()}`);
    while (Date.now() - start < minutes * 60_000) {
      await sleep(30_000);
      const downs = await linkDownsSince(field, start);
      console.log(
        `renewal: ${((Date.now() - start) / 60_000).toFixed(1)} min, link-downs so far: ${downs.length}`,
      );
    }
    const downs = await linkDownsSince(field, start);
    const suspected = await suspectedSince(field, start);
    const failed = await failedSince(field, start);
    const log = field.turn!.log;
    record('renewal', {
      command: `bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-field.ts renewal --minutes ${minutes}`,
      at: new Date(start).toISOString(),
      minutes,
      turn: renewalTurn,
      peers: relayCast,
      linkDowns: downs.length,
      linkDownEvents: downs,
      suspectedTransitionsByObserver: suspected,
      failedTransitions: failed,
      // Requests coturn authenticated with a username whose expiry had passed, by method and
      // outcome: coturn checks the credential when an allocation is made and keeps its key for the
      // session, so later refreshes of a live allocation succeed (success > 0, error 0 expected).
      coturnRequestsAfterCredentialExpiry: requestsAfterExpiry(log, turnStartedBefore),
      coturnSessionsClosed: log
        .filter((l) => / closed \(2nd stage\)/.test(l))
        .map((l) => l.replace(/^\d+: : /, '')),
      viewsAtStart: before,
      viewsAtEnd: await snapshot(field),
    });
    console.log(
      `renewal: done, ${downs.length} link-downs, ${failed.length} failed, suspected ${JSON.stringify(suspected)}`,
    );
  } finally {
    await field.close();
  }
}
