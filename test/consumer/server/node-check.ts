// A Node project using the DOM-free packages (the detector alone and the signaling server),
// type-checked by `tsc --noEmit` with strict settings, skipLibCheck false, erasableSyntaxOnly,
// module nodenext and no DOM lib. Never run.
import { Detector, presets, type Transport } from '@pulsemesh/core';
import { createRandom, monotonicNowMs, runDetector, type RunningDetector } from '@pulsemesh/core/runtime';
import { createSignalServer, mintToken, type SignalServer } from '@pulsemesh/signal-server';

export async function typesCompile(transport: Transport): Promise<[SignalServer, RunningDetector, string]> {
  const server = createSignalServer({ logLevel: 'silent' });
  await server.listen(0, '127.0.0.1');
  const token = await mintToken({ room: 'r', secret: 'x'.repeat(32) });
  const config = presets.node;
  const detector = new Detector({ id: 'p1', config, random: createRandom(), nowMs: monotonicNowMs() });
  detector.addEventListener('status-change', (event) => console.log(event.type));
  return [server, runDetector(detector, transport), token];
}
