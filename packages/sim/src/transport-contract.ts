/**
 * The contract test suite for core's `Transport`, runner-agnostic: it returns named async cases
 * that throw on a violation, so vitest (`it(c.name, c.run)`) and mocha/web-test-runner can both run
 * it. Every implementation runs it: the simulated network here, WebRTC in `@pulsemesh/webrtc`.
 *
 * The harness gives two transports linked over a *lossless* link (the contract allows loss; the
 * suite needs a link that does not exercise it, so a lost message means a broken transport).
 */
import type { PeerId, Transport } from '@pulsemesh/core';

/** Two linked transports and the means to let time pass. */
export interface TransportHarness {
  a: Transport;
  b: Transport;
  /** Lets in-flight messages arrive (simulator: run the clock; real transports: wait a little). */
  settle(): Promise<void>;
  /** Takes the a–b link down (closing a connection); both sides should report it. */
  disconnect(): Promise<void>;
  /** Releases everything. */
  close(): Promise<void>;
}

/** One named contract case. */
export interface ContractCase {
  name: string;
  run(): Promise<void>;
}

/** A contract violation. */
export class ContractViolationError extends Error {
  override readonly name = 'ContractViolationError';
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ContractViolationError(message);
}

function inbox(t: Transport): { got: { from: PeerId; bytes: Uint8Array }[]; stop: () => void } {
  const got: { from: PeerId; bytes: Uint8Array }[] = [];
  const stop = t.onMessage((from, bytes) => got.push({ from, bytes: bytes.slice() }));
  return { got, stop };
}

function equalBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const cases: { name: string; body: (h: TransportHarness) => Promise<void> }[] = [
  {
    name: 'has a localId and maxMessageBytes of at least 1,024',
    body: async ({ a, b }) => {
      check(
        typeof a.localId === 'string' && a.localId.length > 0 && a.localId !== b.localId,
        'distinct localIds',
      );
      check(a.maxMessageBytes >= 1024, `maxMessageBytes ${a.maxMessageBytes} < 1024`);
    },
  },
  {
    name: 'lists the linked peer in linkedPeers()',
    body: async ({ a, b }) => {
      check([...a.linkedPeers()].includes(b.localId), 'a does not list b');
      check([...b.linkedPeers()].includes(a.localId), 'b does not list a');
    },
  },
  {
    name: 'delivers a message whole, with the sender id',
    body: async (h) => {
      const box = inbox(h.b);
      h.a.send(h.b.localId, Uint8Array.of(1, 2, 3, 250));
      await h.settle();
      check(box.got.length === 1, `expected 1 message, got ${box.got.length}`);
      check(box.got[0]?.from === h.a.localId, 'wrong sender id');
      check(equalBytes(box.got[0].bytes, Uint8Array.of(1, 2, 3, 250)), 'bytes differ');
    },
  },
  {
    name: 'delivers a message of exactly maxMessageBytes',
    body: async (h) => {
      const box = inbox(h.b);
      const big = new Uint8Array(h.a.maxMessageBytes).map((_, i) => (i * 31) & 255);
      h.a.send(h.b.localId, big);
      await h.settle();
      check(
        box.got.length === 1 && equalBytes(box.got[0]?.bytes as Uint8Array, big),
        'large message not delivered whole',
      );
    },
  },
  {
    name: 'throws on a message over maxMessageBytes (programmer error)',
    body: async ({ a, b }) => {
      let threw = false;
      try {
        a.send(b.localId, new Uint8Array(a.maxMessageBytes + 1));
      } catch (error) {
        threw = error instanceof Error;
      }
      check(threw, 'oversized send did not throw');
    },
  },
  {
    name: 'drops a message to an unknown peer without throwing',
    body: async (h) => {
      const box = inbox(h.b);
      h.a.send('no-such-peer', Uint8Array.of(9));
      await h.settle();
      check(box.got.length === 0, 'message to an unknown peer arrived somewhere');
    },
  },
  {
    name: 'delivers many messages intact in both directions (order not required)',
    body: async (h) => {
      const atB = inbox(h.b);
      const atA = inbox(h.a);
      for (let i = 0; i < 50; i++) {
        h.a.send(h.b.localId, Uint8Array.of(i, 255 - i, 7));
        h.b.send(h.a.localId, Uint8Array.of(i, 1));
      }
      await h.settle();
      const seen = new Set(atB.got.map((m) => `${m.bytes[0]}:${m.bytes[1]}:${m.bytes[2]}:${m.bytes.length}`));
      check(seen.size === 50, `b got ${seen.size} distinct of 50`);
      for (let i = 0; i < 50; i++)
        check(seen.has(`${i}:${255 - i}:7:3`), `message ${i} corrupted or missing`);
      check(new Set(atA.got.map((m) => m.bytes[0])).size === 50, 'a did not get all 50');
    },
  },
  {
    name: 'stops calling a handler after unsubscribe',
    body: async (h) => {
      const box = inbox(h.b);
      box.stop();
      h.a.send(h.b.localId, Uint8Array.of(1));
      await h.settle();
      check(box.got.length === 0, 'unsubscribed handler was called');
    },
  },
  {
    name: 'reports the link going down, and never throws sending afterwards',
    body: async (h) => {
      const downs: PeerId[] = [];
      h.a.onLinkChange((peer, up) => {
        if (!up) downs.push(peer);
      });
      await h.disconnect();
      await h.settle();
      check(downs.includes(h.b.localId), 'a never reported b down');
      check(![...h.a.linkedPeers()].includes(h.b.localId), 'b still listed as linked');
      h.a.send(h.b.localId, Uint8Array.of(1));
    },
  },
];

/** The contract cases for one implementation: each builds a fresh harness and closes it. */
export function transportContract(factory: () => Promise<TransportHarness>): ContractCase[] {
  return cases.map(({ name, body }) => ({
    name,
    run: async () => {
      const h = await factory();
      try {
        await body(h);
      } finally {
        await h.close();
      }
    },
  }));
}
