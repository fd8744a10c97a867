// A really hidden page (a second tab in front of it, see scripts/wtr-services.js) has its timers
// clamped to one wake-up per second; the Worker tick clock is not, so the detector keeps probing
// on time. Peers see the hidden lifecycle in the vital signs.
import { expect } from '@open-wc/testing';
import { hidePage, median, showPage, testServices } from './browser-test-support.js';
import { createMesh, type Mesh } from './mesh.js';
import { fastConfig } from './test-config.js';
import { until } from './test-helpers.js';
import { timerScheduler, workerScheduler, type TickScheduler } from './tick-scheduler.js';

/** Runs a 100 ms tick chain on a scheduler; returns the gaps (ms) and a stop function. */
function chain(scheduler: TickScheduler): { gaps: number[]; stop: () => void } {
  const gaps: number[] = [];
  let last = performance.now();
  let cancel = (): void => undefined;
  const tick = (): void => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
    cancel = scheduler.schedule(tick, 100);
  };
  cancel = scheduler.schedule(tick, 100);
  return { gaps, stop: () => cancel() };
}

let meshes: Mesh[] = [];
afterEach(async () => {
  if (document.visibilityState === 'hidden') await showPage();
  for (const m of meshes) m.close();
  meshes = [];
});

describe('hidden tab', () => {
  it('clamps page timers to ~1 s but not the Worker tick clock', async () => {
    const worker = workerScheduler()!;
    const timers = timerScheduler();
    const w = chain(worker);
    const t = chain(timers);
    await hidePage();
    w.gaps.length = 0;
    t.gaps.length = 0;
    await new Promise((r) => setTimeout(r, 3_500));
    w.stop();
    t.stop();
    await showPage();
    worker.close();
    timers.close();
    expect(median(t.gaps), `page timer gaps ${t.gaps.map(Math.round).join(',')}`).to.be.at.least(900);
    expect(median(w.gaps), `worker gaps ${w.gaps.map(Math.round).join(',')}`).to.be.below(150);
  });

  it('keeps a hidden mesh probing on time and reports the lifecycle to peers', async () => {
    const { signalUrl } = await testServices();
    const room = `hidden-${Math.random().toString(36).slice(2, 8)}`;
    const common = { signalUrl, room, config: fastConfig };
    const onWorker = createMesh({ ...common, peerId: `${room}-worker`, clock: 'worker' });
    const onTimers = createMesh({ ...common, peerId: `${room}-timers`, clock: 'timers' });
    meshes = [onWorker, onTimers];
    const view = (viewer: Mesh, peer: Mesh) => viewer.peers().find((p) => p.id === peer.localId);
    await until(
      () => view(onWorker, onTimers)?.state === 'healthy' && view(onTimers, onWorker)?.state === 'healthy',
      15_000,
      'both healthy',
    );
    await hidePage();
    await until(
      () => view(onWorker, onTimers)?.vitals?.lifecycle === 'hidden',
      5_000,
      'lifecycle hidden seen',
    );
    const probesBefore = [onWorker.detector.stats().probesSent, onTimers.detector.stats().probesSent];
    const workerSamples: number[] = [];
    const timerSamples: number[] = [];
    const sampling = setInterval(() => {
      workerSamples.push(onWorker.timerLateness().lastMs);
      timerSamples.push(onTimers.timerLateness().lastMs);
    }, 50);
    await new Promise((r) => setTimeout(r, 3_000));
    clearInterval(sampling);
    const workerLate = median(workerSamples);
    const timersLate = Math.max(...timerSamples);
    const probes = [
      onWorker.detector.stats().probesSent - probesBefore[0]!,
      onTimers.detector.stats().probesSent - probesBefore[1]!,
    ];
    const stillHealthy = view(onWorker, onTimers)?.state;
    await showPage();
    await until(
      () => view(onWorker, onTimers)?.vitals?.lifecycle === 'visible',
      5_000,
      'lifecycle visible again',
    );
    expect(workerLate, 'worker clock: median timer lateness (ms)').to.be.below(100);
    expect(timersLate, 'page timers: worst timer lateness (ms)').to.be.above(400);
    expect(stillHealthy).to.equal('healthy');
    expect(probes[0], 'probes on the worker clock').to.be.at.least(8);
    expect(probes[0]!, 'worker clock probes more than page timers').to.be.above(probes[1]! * 2);
    console.log(
      `hidden 3 s: worker clock median lateness ${workerLate.toFixed(1)} ms, page timers worst ${timersLate.toFixed(1)} ms`,
      `; probes sent in those 3 s: worker clock ${probes[0]}, page timers ${probes[1]}`,
    );
  });
});

describe('page lifecycle events', () => {
  it('reports freeze and resume to peers as the frozen / visible lifecycle', async () => {
    const { signalUrl } = await testServices();
    const room = `frozen-${Math.random().toString(36).slice(2, 8)}`;
    const a = createMesh({ signalUrl, room, peerId: `${room}-a`, config: fastConfig, pageLifecycle: false });
    const b = createMesh({ signalUrl, room, peerId: `${room}-b`, config: fastConfig });
    meshes = [a, b];
    const lifecycleOfB = () => a.peers().find((p) => p.id === b.localId)?.vitals?.lifecycle;
    await until(() => lifecycleOfB() === 'visible', 15_000, 'b visible at a');
    // The events the browser fires around a freeze (the page keeps running here, so b can tell).
    document.dispatchEvent(new Event('freeze'));
    await until(() => lifecycleOfB() === 'frozen', 5_000, 'b frozen at a');
    document.dispatchEvent(new Event('resume'));
    await until(() => lifecycleOfB() === 'visible', 5_000, 'b visible again at a');
  });
});
