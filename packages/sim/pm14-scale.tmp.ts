import { profiles } from './src/profiles.js';
import { runScenario } from './src/scenario.js';
import { scaleStrategy } from './src/strategies.js';
const n = Number(process.argv[2] ?? 10000);
const r = runScenario({ strategy: scaleStrategy(), profile: profiles.lan, n, seed: 42, simSeconds: 60, topology: { kind: 'random', degree: 16 },
  wallClockMs: () => performance.now(), cpuClockMs: () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; } });
console.log(`n=${n} wall ${r.wallSeconds.toFixed(1)} s cpu ${r.cpuSeconds.toFixed(1)} s events ${r.sim.events} crashes ${r.crashes} det p50 ${r.detectionAllMs.p50}`);
