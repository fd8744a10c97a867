/** What `RTCPeerConnection.getStats()` says about one link. */
export interface TransportLinkStats {
  /** `currentRoundTripTime` of the selected candidate pair (ms), if reported. */
  rttMs: number | undefined;
  /** Bytes sent / received on the selected transport (all channels, headers included). */
  bytesSent: number;
  bytesReceived: number;
  /** Local and remote address of the selected pair, if reported. */
  localAddress: string | undefined;
  remoteAddress: string | undefined;
}

type Report = Record<string, unknown>;

/**
 * Reads the selected candidate pair from a stats report: `transport.selectedCandidatePairId` when
 * present (the spec), else the pair marked `selected` or nominated + succeeded.
 *
 * `rttUnitMs` is the unit of `currentRoundTripTime` in ms: 1,000 for the spec (seconds); the Node
 * polyfill (webrtc-polyfill 1.2.2 over node-datachannel) passes libdatachannel's milliseconds
 * through unchanged, so it uses 1.
 */
export function selectedPairStats(stats: Iterable<Report>, rttUnitMs: number): TransportLinkStats {
  const byId = new Map<string, Report>();
  const all: Report[] = [];
  for (const report of stats) {
    all.push(report);
    if (typeof report['id'] === 'string') byId.set(report['id'], report);
  }
  const transport = all.find(
    (r) => r['type'] === 'transport' && typeof r['selectedCandidatePairId'] === 'string',
  );
  let pair = transport ? byId.get(transport['selectedCandidatePairId'] as string) : undefined;
  pair ??= all.find((r) => r['type'] === 'candidate-pair' && r['selected'] === true);
  pair ??= all.find(
    (r) => r['type'] === 'candidate-pair' && r['nominated'] === true && r['state'] === 'succeeded',
  );
  const rtt = pair?.['currentRoundTripTime'];
  const local = pair ? byId.get(String(pair['localCandidateId'])) : undefined;
  const remote = pair ? byId.get(String(pair['remoteCandidateId'])) : undefined;
  return {
    rttMs: typeof rtt === 'number' && Number.isFinite(rtt) ? rtt * rttUnitMs : undefined,
    bytesSent: numberOr0((transport ?? pair)?.['bytesSent']),
    bytesReceived: numberOr0((transport ?? pair)?.['bytesReceived']),
    localAddress: address(local),
    remoteAddress: address(remote),
  };
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function address(candidate: Report | undefined): string | undefined {
  const value = candidate?.['address'] ?? candidate?.['ip'];
  return typeof value === 'string' ? value : undefined;
}
