// A tiny traffic probe for the network lab's own test (lab.e2e.test.ts), run inside a namespace:
//   serve <host> <port>   UDP echo and a TCP sink that answers "<bytes> <sha256>" on end;
//                         prints {"ready":true}
//   probe <host> <port> <count> <tcpBytes>
//                         sends <count> UDP echoes one at a time (1 s timeout each), then
//                         <tcpBytes> random bytes over TCP; prints {"rttsMs":[…],"lost":n,"tcpOk":bool}
//   burst <host> <port> <count>
//                         sends <count> UDP echoes 5 ms apart, waits 1.5 s; prints {"sent","answered"}
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';

const [mode, host, portText, countText, bytesText] = process.argv.slice(2);
const port = Number(portText);
if (mode === 'serve') {
  const udp = dgram.createSocket('udp4');
  udp.on('message', (m, r) => udp.send(m, r.port, r.address));
  udp.bind(port, host);
  net
    .createServer((s) => {
      const hash = createHash('sha256');
      let n = 0;
      s.on('data', (d) => {
        hash.update(d);
        n += d.length;
      });
      s.on('end', () => s.end(`${n} ${hash.digest('hex')}`));
      s.on('error', () => undefined);
    })
    .listen(port, host, () => process.stdout.write(`${JSON.stringify({ ready: true })}\n`));
} else if (mode === 'probe') {
  const udp = dgram.createSocket('udp4');
  const rttsMs: number[] = [];
  let lost = 0;
  for (let i = 0; i < Number(countText); i++) {
    const tag = Buffer.from(`probe-${i}`);
    const t0 = performance.now();
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        udp.off('message', onMessage);
        resolve(false);
      }, 1_000);
      const onMessage = (m: Buffer): void => {
        if (!m.equals(tag)) return; // a late answer to an earlier probe
        clearTimeout(timer);
        udp.off('message', onMessage);
        resolve(true);
      };
      udp.on('message', onMessage);
      udp.send(tag, port, host);
    });
    if (answered) rttsMs.push(performance.now() - t0);
    else lost += 1;
  }
  udp.close();
  const data = randomBytes(Number(bytesText));
  const want = `${data.length} ${createHash('sha256').update(data).digest('hex')}`;
  const got = await new Promise<string>((resolve) => {
    const s = net.connect(port, host, () => s.end(data));
    let reply = '';
    s.on('data', (d) => (reply += String(d)));
    s.on('end', () => resolve(reply));
    s.on('error', (e) => resolve(String(e)));
    setTimeout(() => resolve('timeout'), 60_000).unref();
  });
  process.stdout.write(`${JSON.stringify({ rttsMs, lost, tcpOk: got === want })}\n`);
  process.exit(0);
} else if (mode === 'burst') {
  const udp = dgram.createSocket('udp4');
  const answered = new Set<string>();
  udp.on('message', (m) => answered.add(String(m)));
  for (let i = 0; i < Number(countText); i++) {
    udp.send(`burst-${i}`, port, host);
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 1_500));
  udp.close();
  process.stdout.write(`${JSON.stringify({ sent: Number(countText), answered: answered.size })}\n`);
  process.exit(0);
} else {
  throw new Error(
    'usage: serve <host> <port> | probe <host> <port> <count> <tcpBytes> | burst <host> <port> <count>',
  );
}
