import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CloseCode, ErrorCode } from '@pulsemesh/signal';
import { closed, joined, makeClient, next, rawSocket, startServer, until } from './test-support.js';
import type { Running } from './test-support.js';

const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`fuzz.test SEED=${seed}`);
const reproduce = `SEED=${seed} bash scripts/netns.sh vitest run packages/signal/src/fuzz.test.ts`;
const frameBytesMax = 4096;

let r: Running;
beforeAll(async () => {
  r = await startServer({ frameBytesMax, messagesPerSecondMax: 10_000, socketsPerIpMax: 1000 });
});
afterAll(() => r.server.close());

const ids = fc.constantFrom('r', 'room', 'a', 'b', '', 'x'.repeat(65), 'é', '\u0000');
const frameObject = fc.record(
  {
    v: fc.oneof(fc.constant(1), fc.integer(), fc.string()),
    t: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.string()),
    room: ids,
    peer: ids,
    to: ids,
    claim: fc.oneof(fc.constant('c'.repeat(16)), fc.string()),
    token: fc.string(),
    n: fc.oneof(fc.integer(), fc.double()),
    payload: fc.jsonValue({ maxDepth: 40 }),
  },
  { requiredKeys: [] },
);
const frame = fc.oneof(
  frameObject.map((o) => JSON.stringify(o)),
  fc.string({ maxLength: 200 }),
  fc.json(),
  fc
    .nat({ max: 3 * frameBytesMax })
    .map((n) => `{"v":1,"t":3,"room":"r","to":"b","payload":"${'x'.repeat(n)}"}`),
);

describe('live server under random and malformed frames', () => {
  it('never crashes; answers with typed errors or the right close code; memory stays bounded', async () => {
    const watcher = makeClient(r.url, 'r', 'b');
    await joined(watcher);
    const heapBefore = process.memoryUsage().heapUsed;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 12 }), async (frames) => {
          const ws = await rawSocket(r.url);
          const codes: string[] = [];
          ws.on('message', (d) => {
            const f = JSON.parse(String(d)) as { t: number; code?: string };
            if (f.t === 10 && f.code) codes.push(f.code);
          });
          const done = closed(ws);
          for (const f of frames) if (ws.readyState === WebSocket.OPEN) ws.send(f);
          ws.send(JSON.stringify({ v: 1, t: 4, n: 424242 }));
          const outcome = await Promise.race([
            done.then((code) => ({ code })),
            new Promise<{ pong: true }>((resolve) =>
              ws.on('message', (d) => String(d).includes('424242') && resolve({ pong: true })),
            ),
          ]);
          ws.terminate();
          for (const c of codes) expect(Object.values(ErrorCode)).toContain(c);
          if ('code' in outcome) {
            const tooBig = frames.some((f) => Buffer.byteLength(f) > frameBytesMax);
            expect(tooBig ? CloseCode.messageTooBig : -2).toBe(outcome.code);
          }
        }),
        { seed, numRuns: 150 },
      );
    } catch (err) {
      console.error(`reproduce: ${reproduce}`);
      throw err;
    }
    // The server is still up and serving.
    const a = makeClient(r.url, 'r', 'late');
    await joined(a);
    const got = next(watcher, 'signal');
    a.signal('b', 'still alive');
    expect((await got).detail.payload).toBe('still alive');
    a.close();
    watcher.close();
    await until(() => r.server.stats().sockets === 0, 3_000, 'sockets closed');
    expect(r.server.stats().rooms).toBe(0);
    expect(r.server.stats().ips).toBe(0);
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(heapGrowth).toBeLessThan(64 * 1024 * 1024);
  });
});
