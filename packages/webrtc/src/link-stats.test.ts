// Stats reports as each stack shapes them (trimmed from real getStats() output), and the path read.
import { describe, expect, it } from 'vitest';
import { formatLinkPath, linkPath, selectedPairStats } from './link-stats.js';

const chromiumRelayTls = [
  { id: 'T01', type: 'transport', selectedCandidatePairId: 'CP1', bytesSent: 900, bytesReceived: 800 },
  {
    id: 'CP1',
    type: 'candidate-pair',
    localCandidateId: 'L1',
    remoteCandidateId: 'R1',
    currentRoundTripTime: 0.042,
  },
  { id: 'CP2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', nominated: true },
  {
    id: 'L1',
    type: 'local-candidate',
    candidateType: 'relay',
    protocol: 'udp',
    relayProtocol: 'tls',
    address: '203.0.113.10',
  },
  { id: 'L2', type: 'local-candidate', candidateType: 'host', protocol: 'udp', address: '10.0.0.2' },
  { id: 'R1', type: 'remote-candidate', candidateType: 'srflx', protocol: 'udp', address: '198.51.100.2' },
];
// Firefox: no selectedCandidatePairId on a transport report; the pair says `selected`.
const firefoxSrflx = [
  {
    id: 'p1',
    type: 'candidate-pair',
    localCandidateId: 'l1',
    remoteCandidateId: 'r1',
    selected: true,
    nominated: true,
    state: 'succeeded',
    bytesSent: 10,
    bytesReceived: 20,
  },
  { id: 'l1', type: 'local-candidate', candidateType: 'host', protocol: 'udp', address: '10.0.1.2' },
  { id: 'r1', type: 'remote-candidate', candidateType: 'prflx', protocol: 'udp', address: '198.51.100.7' },
];
// webrtc-polyfill over node-datachannel: RTT in ms, `ip`, no protocol.
const nodePolyfill = [
  {
    id: 'RTCTransport_0_1',
    type: 'transport',
    selectedCandidatePairId: 'CP',
    bytesSent: 5,
    bytesReceived: 6,
  },
  {
    id: 'CP',
    type: 'candidate-pair',
    localCandidateId: 'L',
    remoteCandidateId: 'R',
    currentRoundTripTime: 3,
    state: 'succeeded',
    nominated: true,
  },
  { id: 'L', type: 'local-candidate', candidateType: 'host', ip: '127.0.0.1' },
  { id: 'R', type: 'remote-candidate', candidateType: 'host', ip: '127.0.0.1' },
];

describe('selectedPairStats', () => {
  it('follows the transport to the selected pair (not merely a nominated one) and reads its path', () => {
    const s = selectedPairStats(chromiumRelayTls, 1000);
    expect(s).toMatchObject({
      rttMs: 42,
      bytesSent: 900,
      localAddress: '203.0.113.10',
      remoteAddress: '198.51.100.2',
    });
    expect(s.path).toEqual({
      kind: 'relay',
      protocol: 'udp',
      local: 'relay',
      remote: 'srflx',
      relayProtocol: 'tls',
    });
    expect(formatLinkPath(s.path)).toBe('relay/tls');
  });

  it('takes the pair marked selected when no transport names one (Firefox)', () => {
    const s = selectedPairStats(firefoxSrflx, 1000);
    expect(s.path).toEqual({
      kind: 'prflx',
      protocol: 'udp',
      local: 'host',
      remote: 'prflx',
      relayProtocol: undefined,
    });
    expect(s.bytesReceived).toBe(20);
    expect(formatLinkPath(s.path)).toBe('prflx/udp');
  });

  it('reads the Node polyfill (RTT already in ms, addresses as ip)', () => {
    const s = selectedPairStats(nodePolyfill, 1);
    expect(s).toMatchObject({ rttMs: 3, localAddress: '127.0.0.1' });
    expect(formatLinkPath(s.path)).toBe('host/udp');
  });

  it('has no path before a pair is selected, or when types are missing or unknown', () => {
    expect(selectedPairStats([], 1000).path).toBeUndefined();
    expect(formatLinkPath(undefined)).toBe('-');
    expect(linkPath('host', undefined, 'udp', undefined)).toBeUndefined();
    expect(linkPath('host', 'mdns', 'udp', undefined)).toBeUndefined();
  });
});

describe('linkPath', () => {
  it.each([
    ['host', 'host', 'udp', undefined, 'host/udp'],
    ['host', 'host', 'tcp', undefined, 'host/tcp'],
    ['srflx', 'host', 'udp', undefined, 'srflx/udp'],
    ['srflx', 'prflx', 'udp', undefined, 'srflx/udp'],
    ['host', 'prflx', 'udp', undefined, 'prflx/udp'],
    ['host', 'relay', 'udp', undefined, 'relay/udp'],
    ['relay', 'relay', 'udp', 'tcp', 'relay/tcp'],
    // libdatachannel's names
    ['host', 'host', 'TCP_active', undefined, 'host/tcp'],
    ['relay', 'srflx', 'UDP', undefined, 'relay/udp'],
    // a relay protocol on a local candidate that is not a relay means nothing
    ['host', 'relay', 'udp', 'tls', 'relay/udp'],
  ])('%s ↔ %s over %s (TURN via %s) is %s', (local, remote, protocol, relay, label) => {
    expect(formatLinkPath(linkPath(local, remote, protocol, relay))).toBe(label);
  });
});
