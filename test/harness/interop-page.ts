// A blank page with a raw-RTCPeerConnection data-channel probe (`window.ix`), served on 127.0.0.1
// for the cross-engine interop test. Plain JavaScript inside the page: it must run unchanged in
// Chromium and Firefox, with no bundler between.
import { createServer, type Server } from 'node:http';

/** What the answering side saw of a channel the offerer created in band (DCEP). */
export interface RemoteChannel {
  label: string;
  protocol: string;
  ordered: boolean;
  maxRetransmits: number | null;
  maxPacketLifeTime: number | null;
  negotiated: boolean;
  id: number | null;
}

/** One received message: sequence number, length, and whether every byte matched the pattern. */
export interface Received {
  seq: number;
  bytes: number;
  intact: boolean;
}

const script = String.raw`
const pattern = (seq, size) => {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + Math.max(seq, 0)) & 255;
  if (size >= 4) new DataView(b.buffer).setUint32(0, seq);
  return b;
};
window.ix = {
  pc: null, channels: {}, inbox: {}, remoteChannels: [],
  watch(c) {
    c.binaryType = 'arraybuffer';
    this.channels[c.label] = c;
    this.inbox[c.label] = [];
    c.onmessage = (e) => {
      const b = new Uint8Array(e.data);
      const seq = b.length >= 4 ? new DataView(e.data).getUint32(0) : -1;
      const want = pattern(seq, b.length);
      let intact = true;
      for (let i = 0; i < b.length; i++) if (b[i] !== want[i]) { intact = false; break; }
      this.inbox[c.label].push({ seq, bytes: b.length, intact });
    };
  },
  async create(offerer) {
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    // Pre-agreed (negotiated) channels, the way packages/webrtc's Link opens them.
    this.watch(pc.createDataChannel('reliable', { negotiated: true, id: 0 }));
    this.watch(pc.createDataChannel('heartbeat', { negotiated: true, id: 1, ordered: false, maxRetransmits: 0 }));
    if (offerer) {
      // In-band channels (DCEP): the answerer learns their properties from the wire.
      this.watch(pc.createDataChannel('inband-unordered', { ordered: false, maxRetransmits: 0, protocol: 'pm-hb' }));
      this.watch(pc.createDataChannel('inband-lifetime', { ordered: false, maxPacketLifeTime: 300 }));
      this.watch(pc.createDataChannel('inband-reliable', { protocol: 'pm-sync' }));
    }
    pc.ondatachannel = (e) => {
      const c = e.channel;
      this.remoteChannels.push({ label: c.label, protocol: c.protocol, ordered: c.ordered,
        maxRetransmits: c.maxRetransmits, maxPacketLifeTime: c.maxPacketLifeTime, negotiated: c.negotiated, id: c.id });
      this.watch(c);
    };
  },
  async gathered() {
    const pc = this.pc;
    if (pc.iceGatheringState !== 'complete')
      await new Promise((r) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()));
    return { type: pc.localDescription.type, sdp: pc.localDescription.sdp };
  },
  async offer() { await this.create(true); await this.pc.setLocalDescription(); return this.gathered(); },
  async answer(offer) { await this.create(false); await this.pc.setRemoteDescription(offer); await this.pc.setLocalDescription(); return this.gathered(); },
  async accept(answer) { await this.pc.setRemoteDescription(answer); },
  async allOpen(labels, ms) {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      if (labels.every((l) => this.channels[l]?.readyState === 'open')) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return labels.filter((l) => this.channels[l]?.readyState !== 'open');
  },
  maxMessageSize() { return this.pc.sctp ? this.pc.sctp.maxMessageSize : null; },
  send(label, seq, size) {
    try { this.channels[label].send(pattern(seq, size)); return 'ok'; } catch (e) { return e.name; }
  },
  async sendMany(label, count, size, gapMs) {
    for (let i = 0; i < count; i++) { this.channels[label].send(pattern(i, size)); if (gapMs) await new Promise((r) => setTimeout(r, gapMs)); }
  },
  async received(label, count, ms) {
    const end = performance.now() + ms;
    while (performance.now() < end && this.inbox[label].length < count) await new Promise((r) => setTimeout(r, 20));
    return this.inbox[label].splice(0);
  },
  async selectedPair() {
    for (const r of (await this.pc.getStats()).values())
      if (r.type === 'candidate-pair' && (r.selected || r.nominated) && r.state === 'succeeded') return r.localCandidateId + ' ' + r.remoteCandidateId;
    return null;
  },
  close() { this.pc?.close(); },
};
`;

/** Serves `/` (a blank page that loads the probe) and `/ix.js` on 127.0.0.1, any free port. */
export async function serveInteropPage(): Promise<{ url: string; server: Server }> {
  const html = '<!doctype html><meta charset="utf-8"><title>interop</title><script src="/ix.js"></script>';
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/ix.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (path === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, server };
}
