import ForkPeer from '@thaunknown/simple-peer';
const config = { iceServers: [], bindAddress: '127.0.0.1' };
const a = new ForkPeer({ initiator: true, config });
const b = new ForkPeer({ initiator: false, config });
a.on('signal', (d) => b.signal(d));
b.on('signal', (d) => a.signal(d));
let n = 0;
const go = () => {
  for (const [p, name, delay] of [
    [a, 'a', 0],
    [b, 'b', 300],
  ] as const)
    setTimeout(() => {
      const ch = p._pc!.createDataChannel('x', {
        negotiated: true,
        id: 1023,
        ordered: false,
        maxRetransmits: 0,
      });
      ch.binaryType = 'arraybuffer';
      console.log(name, 'created', ch.readyState);
      ch.addEventListener('open', () => {
        console.log(name, 'open');
        ch.send(new Uint8Array([1, 2, 3, 4]));
      });
      ch.addEventListener('close', () => console.log(name, 'close'));
      ch.addEventListener('message', (e) => console.log(name, 'msg', e.data));
      setTimeout(() => console.log(name, 'state later', ch.readyState), 1000);
    }, delay);
};
a.on('connect', () => {
  if (++n === 2) go();
});
b.on('connect', () => {
  if (++n === 2) go();
});
setTimeout(() => process.exit(0), 3000);
