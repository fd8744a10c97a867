/** ICE candidate types (`RTCIceCandidateType`). */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/**
 * How a link's packets travel, from the selected candidate pair, summed up by its least direct end:
 * `relay` when either end is a TURN relay; `srflx` when either end is server-reflexive (an address
 * a NAT gave it, learned through STUN); `prflx` when either end is peer-reflexive (an address first
 * seen in a connectivity check: behind a NAT STUN could not map, or merely a check that came before
 * the candidate was signaled, which happens on loopback too); else `host` (no NAT in between).
 */
export const PathKind = { host: 'host', prflx: 'prflx', srflx: 'srflx', relay: 'relay' } as const;
export type PathKind = (typeof PathKind)[keyof typeof PathKind];

/** The network path of one link (see {@link PathKind}). */
export interface LinkPath {
  kind: PathKind;
  /** Transport of the selected pair between the two candidates. */
  protocol: 'udp' | 'tcp';
  local: CandidateType;
  remote: CandidateType;
  /** Local relay candidate only: how this peer reaches its TURN server, when reported (browsers). */
  relayProtocol: 'udp' | 'tcp' | 'tls' | undefined;
}

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
  /** Path of the selected pair; undefined until one is selected (or if types are not reported). */
  path: LinkPath | undefined;
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
    path: linkPath(
      local?.['candidateType'],
      remote?.['candidateType'],
      local?.['protocol'] ?? remote?.['protocol'],
      local?.['relayProtocol'],
    ),
  };
}

/**
 * A {@link LinkPath} from candidate types and protocol names as any stack reports them
 * (`"UDP"`, `"TCP_active"` from libdatachannel; `"udp"`, `"tcp"` from browsers); undefined if
 * either type is missing or unknown. `protocol` defaults to UDP when not reported.
 */
export function linkPath(
  localType: unknown,
  remoteType: unknown,
  protocol: unknown,
  relayProtocol: unknown,
): LinkPath | undefined {
  const local = candidateType(localType);
  const remote = candidateType(remoteType);
  if (!local || !remote) return undefined;
  const types = [local, remote];
  const kind = types.includes('relay')
    ? PathKind.relay
    : types.includes('srflx')
      ? PathKind.srflx
      : types.includes('prflx')
        ? PathKind.prflx
        : PathKind.host;
  const relay = typeof relayProtocol === 'string' ? relayProtocol.toLowerCase() : undefined;
  return {
    kind,
    protocol: typeof protocol === 'string' && protocol.toLowerCase().startsWith('tcp') ? 'tcp' : 'udp',
    local,
    remote,
    relayProtocol:
      local === 'relay' && (relay === 'udp' || relay === 'tcp' || relay === 'tls') ? relay : undefined,
  };
}

/**
 * One short label for a path: its kind and the transport that matters for it — for a link this
 * peer relays, how it reaches TURN (`relay/tls`, `relay/tcp`), else the pair's (`host/udp`).
 */
export function formatLinkPath(path: LinkPath | undefined): string {
  if (!path) return '-';
  return `${path.kind}/${path.relayProtocol ?? path.protocol}`;
}

function candidateType(value: unknown): CandidateType | undefined {
  return value === 'host' || value === 'srflx' || value === 'prflx' || value === 'relay' ? value : undefined;
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function address(candidate: Report | undefined): string | undefined {
  const value = candidate?.['address'] ?? candidate?.['ip'];
  return typeof value === 'string' ? value : undefined;
}
