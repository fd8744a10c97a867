// The rig's proof: two real RTCPeerConnections in headless Chromium connect over loopback (inside
// the loopback-only namespace) and a message crosses an unordered, no-retransmit data channel.
import { expect } from '@open-wc/testing';

function waitFor<T>(target: EventTarget, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), timeoutMs);
    target.addEventListener(
      type,
      (e) => {
        clearTimeout(timer);
        resolve(e as T);
      },
      { once: true },
    );
  });
}

describe('WebRTC over loopback', () => {
  it('connects two peer connections and delivers a data channel message', async () => {
    const a = new RTCPeerConnection({ iceServers: [] });
    const b = new RTCPeerConnection({ iceServers: [] });
    const candidates: string[] = [];
    a.onicecandidate = (e) => {
      if (e.candidate) {
        candidates.push(e.candidate.address ?? '');
        void b.addIceCandidate(e.candidate);
      }
    };
    b.onicecandidate = (e) => {
      if (e.candidate) void a.addIceCandidate(e.candidate);
    };
    const channel = a.createDataChannel('heartbeat', { ordered: false, maxRetransmits: 0 });
    const incoming = waitFor<RTCDataChannelEvent>(b, 'datachannel', 15_000);
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);

    await waitFor(channel, 'open', 15_000);
    const remote = (await incoming).channel;
    const got = waitFor<MessageEvent>(remote, 'message', 5_000);
    channel.send('ping 42');
    expect((await got).data).to.equal('ping 42');
    expect(remote.ordered).to.equal(false);
    expect(remote.maxRetransmits).to.equal(0);
    for (const address of candidates) {
      if (address && !address.endsWith('.local')) expect(['127.0.0.1', '::1']).to.include(address);
    }
    a.close();
    b.close();
  });
});
