/**
 * Renders the "Just measured" list from {@link Incidents}: one line per fault with the time until
 * this tab, and until every tab of this browser, drew its conclusion.
 */
import type { PeerId } from '@pulsemesh/core';
import { formatSeconds } from './controls.js';
import type { Incident } from './incidents.js';

/** After a freeze ends, wait this long before declaring "nobody marked it failed". */
const freezeVerdictMs = 5_000;

/** One rendered line: a headline and details, plus a tone for the marker. */
export interface IncidentLine {
  peer: PeerId;
  headline: string;
  details: string[];
  tone: 'good' | 'bad' | 'neutral' | 'pending';
}

/** Describes an incident as seen from `localId` at wall time `nowMs`. */
export function describeIncident(incident: Incident, localId: PeerId, nowMs: number): IncidentLine {
  const { peer, fault, marked } = incident;
  const who = peer === localId ? 'This tab' : peer;
  // From the fault: the announcement, else when the peer went silent (last heard), as the peer
  // table's `failed` counts it; the first suspicion only if no tab here had ever heard it.
  const ref = fault?.atMs ?? incident.lastHeardAtMs ?? incident.firstSeenAtMs;
  const failedOrLeft = [...marked.values()];
  // A peer that said goodbye (a closed tab, a stopped edge peer) is `left` without announcing
  // anything here when it is not a tab of this browser: a departure, not a silence.
  const saidGoodbye = !fault && failedOrLeft.some((x) => x.to === 'left');
  const last = failedOrLeft.reduce((m, x) => Math.max(m, x.atMs), 0);
  const here = marked.get(localId);
  const details: string[] = [];
  const expected = incident.tabsExpected;
  if (incident.liar) return describeLiar(incident, incident.liar, who, localId);
  const everyone = (what: string): string =>
    failedOrLeft.length >= expected && expected > 0
      ? `every tab of this browser (${expected}): ${what} after ${formatSeconds(last - ref)}`
      : `${failedOrLeft.length} of ${expected} tabs of this browser so far`;

  if (fault?.kind === 'freeze') {
    const endMs = fault.atMs + (fault.durationMs ?? 0);
    const failed = failedOrLeft.filter((x) => x.to === 'failed').length;
    if (failed > 0) {
      details.push(`${failed} ${failed === 1 ? 'tab' : 'tabs'} marked it failed (longer than the tolerance)`);
      return {
        peer,
        headline: `${who} froze for ${formatSeconds(fault.durationMs ?? 0)}`,
        details,
        tone: 'bad',
      };
    }
    const settled = nowMs > endMs + freezeVerdictMs;
    details.push(
      settled
        ? 'nobody marked it failed: within the tolerance'
        : 'waiting to see whether anyone gives up on it…',
    );
    return {
      peer,
      headline: `${who} froze for ${formatSeconds(fault.durationMs ?? 0)}`,
      details,
      tone: settled ? 'good' : 'pending',
    };
  }

  const verb =
    fault?.kind === 'crash'
      ? 'crashed'
      : fault?.kind === 'hang'
        ? 'hung'
        : fault?.kind === 'leave'
          ? 'left'
          : fault?.kind === 'close'
            ? 'closed its tab'
            : saidGoodbye
              ? 'said goodbye and left (a tab closed or a peer stopped)'
              : 'went silent (no goodbye, no announcement)';
  const to =
    fault?.kind === 'leave' || fault?.kind === 'close' || saidGoodbye
      ? 'left'
      : (failedOrLeft[0]?.to ?? 'failed');
  if (here && peer !== localId) details.push(`this tab: ${here.to} after ${formatSeconds(here.atMs - ref)}`);
  if (expected > 0) details.push(everyone(to));
  if (!fault && !saidGoodbye && incident.lastHeardAtMs !== undefined)
    details.push('timed from when this browser last heard it (the peer could not announce its fault)');
  else if (!fault && !saidGoodbye && Number.isFinite(incident.firstSeenAtMs))
    details.push('timed from the first suspicion in this browser (no tab here had heard it)');
  const done = expected > 0 ? failedOrLeft.length >= expected : here !== undefined;
  return {
    peer,
    headline: `${who} ${verb}`,
    details,
    tone: done ? (to === 'left' ? 'neutral' : 'bad') : 'pending',
  };
}

/** Why a peer was flagged, in words (the `liar` event's `reason`). */
const LIAR_REASONS: Record<string, string> = {
  'refuted-accusation': 'it kept accusing live peers, and they answered the checks',
  'forged-signature': 'it relayed an update whose signature did not verify (a forgery)',
};

/** A liar flagged by tabs of this browser: who, why, and that its word no longer counts. */
function describeLiar(
  incident: Incident,
  liar: NonNullable<Incident['liar']>,
  who: string,
  localId: PeerId,
): IncidentLine {
  const tabs = liar.flaggedBy.size;
  return {
    peer: incident.peer,
    headline: `${who} was flagged as a liar`,
    details: [
      LIAR_REASONS[liar.reason] ?? `reason: ${liar.reason}`,
      liar.flaggedBy.has(localId)
        ? `flagged by this tab${tabs > 1 ? ` and ${tabs - 1} more of this browser` : ''}`
        : `flagged by ${tabs} ${tabs === 1 ? 'tab' : 'tabs'} of this browser`,
      'its accusations are checked before anyone believes them, and throttled',
    ],
    tone: 'bad',
  };
}
