// The network lab: network namespaces joined only by veth pairs, the way home and office networks
// meet the internet. No names are global: each namespace is held by a child process
// (`unshare -n`), veth pairs are created inside those namespaces, and everything started in them
// dies with this process (holders read stdin until it closes; commands run under
// `setpriv --pdeathsig KILL`). Nothing touches the caller's own interfaces. Layout and addresses:
// test/README.md ("The network lab"). Needs root (CAP_NET_ADMIN) and nftables.
import { spawn, execFile, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exitWithin, processState } from './child-stop.js';

const run = promisify(execFile);

/** The lab's namespaces. */
export const LabNs = {
  /** The "internet": routes between the sites; hosts signaling, the page server and TURN. */
  public: 'public',
  /** Home A's router: NAT that keeps source ports (endpoint-independent mapping): STUN works. */
  natA: 'natA',
  homeA: 'homeA',
  /** Home B's router: NAT with random source ports per flow (symmetric): only TURN works. */
  natB: 'natB',
  homeB: 'homeB',
  /** Home C's router: port-preserving like home A's, so a link between the two homes can run on
   * their STUN-reported (srflx) addresses: hole punching through two NATs, no relay. */
  natC: 'natC',
  homeC: 'homeC',
  /** The office router: NAT, and a firewall that lets out nothing but TCP to port 443. */
  natF: 'natF',
  office: 'office',
} as const;
export type LabNs = (typeof LabNs)[keyof typeof LabNs];

/** Public addresses (documentation range 203.0.113.0/24, on the public namespace's loopback). */
export const labAddress = {
  turn: '203.0.113.10',
  /** coturn's second address, for STUN only (see `harness/turn.ts`). */
  stun: '203.0.113.11',
  signal: '203.0.113.20',
  page: '203.0.113.30',
  /** WAN addresses of the four routers (198.51.100.0/24 and 192.0.2.0/24). */
  natA: '198.51.100.2',
  natB: '198.51.100.6',
  natC: '198.51.100.10',
  natF: '192.0.2.2',
  /** Hosts inside the sites (private ranges, never routed on the "internet"). */
  homeA: '10.0.1.2',
  homeB: '10.0.2.2',
  homeC: '10.0.4.2',
  office: '10.0.3.2',
} as const;

/** The public namespace's default gateway, which answers nothing (documentation range). */
const voidGateway = '203.0.113.254';

/** How a site's router translates. */
type NatKind = 'port-preserving' | 'symmetric' | 'firewalled';

interface Site {
  nat: LabNs;
  host: LabNs;
  kind: NatKind;
  /** WAN link: public side /30 address, router side /30 address. */
  wan: [string, string];
  lan: string;
}

const sites: Site[] = [
  {
    nat: 'natA',
    host: 'homeA',
    kind: 'port-preserving',
    wan: ['198.51.100.1', labAddress.natA],
    lan: '10.0.1',
  },
  { nat: 'natB', host: 'homeB', kind: 'symmetric', wan: ['198.51.100.5', labAddress.natB], lan: '10.0.2' },
  {
    nat: 'natC',
    host: 'homeC',
    kind: 'port-preserving',
    wan: ['198.51.100.9', labAddress.natC],
    lan: '10.0.4',
  },
  { nat: 'natF', host: 'office', kind: 'firewalled', wan: ['192.0.2.1', labAddress.natF], lan: '10.0.3' },
];

/** Every site's host namespace (where peers run; `setLoss` and `setDelay` take these). */
export const labSiteHosts: readonly LabNs[] = sites.map((s) => s.host);

/** A running lab. */
export interface Lab {
  /** Runs a command in a namespace and returns its stdout; throws on a non-zero exit. */
  exec(ns: LabNs, command: string, ...args: string[]): Promise<string>;
  /** Starts a long-running process in a namespace (killed with this process at the latest). */
  spawn(ns: LabNs, command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /**
   * Drops this share of packets arriving at a site's host and at its router from the host (so
   * both directions of every link of that site), with nftables `numgen random` on prerouting.
   */
  setLoss(host: LabNs, ratio: number): Promise<void>;
  /**
   * Holds every frame on a site's access link (between its host and its router) for `delayMs`,
   * plus up to `jitterMs` more (uniform, never reordering), in each direction: a round trip
   * through the site gains 2 × delay. Needs `startLab({ delay: true })` (a user-space bridge,
   * `delay-bridge/main.go`: this kernel has no netem). 0 turns it off.
   */
  setDelay(host: LabNs, delayMs: number, jitterMs?: number): Promise<void>;
  /** Stops every process started with `spawn` and removes every namespace. Idempotent. */
  close(): Promise<void>;
}

const holders = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills whatever labs are still up (on exit and on SIGINT/SIGTERM, so a failed run leaves nothing). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const h of holders) h.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  }
}

/** Starts a namespace holder: `unshare -n` running `cat` on a pipe from us; its pid names the ns. */
async function holdNamespace(): Promise<ChildProcess> {
  const holder = spawn(
    'unshare',
    [
      '-n',
      '--',
      'setpriv',
      '--pdeathsig',
      'KILL',
      '--',
      'sh',
      '-c',
      'ip link set lo up && echo up && exec cat',
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  holders.add(holder);
  holder.once('exit', () => holders.delete(holder));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: holder.stdout! }).once('line', () => resolve());
    holder.once('exit', (code) => reject(new Error(`namespace holder exited (${code})`)));
  });
  return holder;
}

/** Options of {@link startLab}. */
export interface LabOptions {
  /** Put a user-space delay bridge on every site's access link (for `setDelay`; needs Go). */
  delay?: boolean;
}

/** Builds the lab: seven namespaces, six veth pairs, NAT and firewall rules, routes (with `delay`,
 * three more namespaces and veth pairs, one delay bridge per site). */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  if (process.getuid?.() !== 0) throw new Error('the network lab needs root (CAP_NET_ADMIN)');
  installExitHook();
  const names = Object.values(LabNs);
  const pids = new Map<LabNs, number>();
  const own = new Set<ChildProcess>();
  const children = new Set<ChildProcess>();
  for (const name of names) {
    const holder = await holdNamespace();
    own.add(holder);
    pids.set(name, holder.pid!);
  }
  const enter = (ns: LabNs): string[] => ['-t', String(pids.get(ns)), '-n', '--'];
  /** Per site host: its delay bridge (stdin takes "<delayMs> <jitterMs>" lines). */
  const bridges = new Map<LabNs, { child: ChildProcess; lines: AsyncIterator<string> }>();
  let bridgeDir: string | undefined;
  const exec = async (ns: LabNs, command: string, ...args: string[]): Promise<string> =>
    (await run('nsenter', [...enter(ns), command, ...args])).stdout;
  const ip = (ns: LabNs, line: string) => exec(ns, 'ip', ...line.split(' '));
  const nft = (ns: LabNs, ruleset: string) => withInput(['nsenter', ...enter(ns), 'nft', '-f', '-'], ruleset);
  const forward = (ns: LabNs) => exec(ns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    const all = [...children, ...own];
    for (const p of all) p.kill('SIGKILL');
    if (bridgeDir) rmSync(bridgeDir, { recursive: true, force: true });
    // Bounded: a process that outlives SIGKILL is named, not waited for forever.
    const exited = await Promise.all(all.map((p) => exitWithin(p, 5_000)));
    const stuck = all.filter((_, i) => !exited[i]);
    if (stuck.length > 0)
      process.stderr.write(
        `lab: ${stuck.map((p) => `pid ${p.pid} (${p.spawnargs.slice(-3).join(' ')}; ${processState(p.pid)})`).join(', ')} still there 5 s after SIGKILL\n`,
      );
  };

  try {
    // The public namespace answers for the servers' addresses on its loopback and routes.
    for (const address of [labAddress.turn, labAddress.stun, labAddress.signal, labAddress.page])
      await ip('public', `addr add ${address}/32 dev lo`);
    await forward('public');
    // The internet's default: a packet to an address nobody routes (a peer's private host
    // candidate, 10.0.x.x) leaves and is lost somewhere, and the sender never hears of it. Without
    // a default route the kernel fails coturn's sendto() with ENETUNREACH instead, and coturn
    // closes the whole allocation on a relay send error (`s->tobeclosed` in its ioa engine): every
    // link relayed through it dies, a TCP client sees a reset. That was issue 17's flaky
    // "ICE failed" between the symmetric NAT and the office. So route everything else to an
    // upstream that swallows it: a veth (this kernel has no `dummy` driver) whose far end stays in
    // this namespace and drops the frames, addressed to a gateway MAC nobody has.
    await ip('public', 'link add void type veth peer name voidpeer');
    await ip('public', 'link set void up');
    await ip('public', 'link set voidpeer up');
    await ip('public', `route add default via ${voidGateway} dev void onlink`);
    await ip('public', `neigh replace ${voidGateway} lladdr 02:00:00:00:00:01 dev void nud permanent`);
    for (const [i, site] of sites.entries()) {
      const [pubSide, natSide] = site.wan;
      // veth pairs are made inside the namespaces themselves (peer moved by holder pid).
      await ip('public', `link add w${i} type veth peer name wan netns ${pids.get(site.nat)}`);
      await ip('public', `addr add ${pubSide}/30 dev w${i}`);
      await ip('public', `link set w${i} up`);
      await ip(site.nat, `addr add ${natSide}/30 dev wan`);
      await ip(site.nat, 'link set wan up');
      await ip(site.nat, `route add default via ${pubSide}`);
      if (options.delay) {
        // router `lan` ↔ [d0 | delay bridge | d1] ↔ host `eth0`, in a namespace of its own.
        bridgeDir ??= await buildDelayBridge();
        const holder = await holdNamespace();
        own.add(holder);
        const dns = ['nsenter', '-t', String(holder.pid), '-n', '--'];
        const dip = (line: string) => run(dns[0]!, [...dns.slice(1), 'ip', ...line.split(' ')]);
        await ip(site.nat, `link add lan type veth peer name d0 netns ${holder.pid}`);
        await dip(`link add d1 type veth peer name eth0 netns ${pids.get(site.host)}`);
        for (const d of ['d0', 'd1']) {
          await dip(`link set ${d} promisc on`);
          await dip(`link set ${d} up`);
        }
        // One segment per frame: the bridge re-sends frames as they are, so none may exceed
        // the MTU (veths otherwise pass 64 KB TCP segments along for "hardware" to cut).
        await ip(site.nat, 'link set lan gso_max_segs 1');
        await ip(site.host, 'link set eth0 gso_max_segs 1');
        const child = spawn(
          dns[0]!,
          [
            ...dns.slice(1),
            'setpriv',
            '--pdeathsig',
            'KILL',
            '--',
            join(bridgeDir, 'delay-bridge'),
            'd0',
            'd1',
          ],
          { stdio: ['pipe', 'pipe', 'inherit'] },
        );
        children.add(child);
        child.once('exit', () => children.delete(child));
        const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
        if ((await lines.next()).value !== 'ready')
          throw new Error(`delay bridge of ${site.host} did not start`);
        bridges.set(site.host, { child, lines });
      } else {
        await ip(site.nat, `link add lan type veth peer name eth0 netns ${pids.get(site.host)}`);
      }
      await ip(site.nat, `addr add ${site.lan}.1/24 dev lan`);
      await ip(site.nat, 'link set lan up');
      await ip(site.host, `addr add ${site.lan}.2/24 dev eth0`);
      await ip(site.host, 'link set eth0 up');
      await ip(site.host, `route add default via ${site.lan}.1`);
      await forward(site.nat);
      await nft(site.nat, natRules(site.kind));
    }
  } catch (error) {
    await close();
    throw error;
  }

  return {
    exec,
    spawn(ns, command, args, options = {}) {
      const child = spawn(
        'nsenter',
        [...enter(ns), 'setpriv', '--pdeathsig', 'KILL', '--', command, ...args],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          ...options,
        },
      );
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    async setLoss(host, ratio) {
      const site = sites.find((s) => s.host === host);
      if (!site) throw new Error(`setLoss: ${host} is not a site's host`);
      const perTenThousand = Math.round(ratio * 10_000);
      for (const [ns, iface] of [
        [host, 'eth0'],
        [site.nat, 'lan'],
      ] as const) {
        await exec(ns, 'nft', 'delete table inet pm17loss').catch(() => undefined);
        if (perTenThousand > 0) await nft(ns, lossRules(iface, perTenThousand));
      }
    },
    async setDelay(host, delayMs, jitterMs = 0) {
      const bridge = bridges.get(host);
      if (!bridge) throw new Error(`setDelay: ${host} has no delay bridge (startLab({ delay: true }))`);
      if (!(delayMs >= 0 && jitterMs >= 0)) throw new RangeError('setDelay: delay and jitter must be >= 0');
      bridge.child.stdin!.write(`${delayMs} ${jitterMs}\n`);
      const reply = await bridge.lines.next();
      if (!String(reply.value).startsWith('set ')) throw new Error(`delay bridge of ${host}: ${reply.value}`);
    },
    close,
  };
}

/** Builds `delay-bridge/main.go` (standard library only, no module) into a fresh temp dir. */
async function buildDelayBridge(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pm17-delay-bridge-'));
  const source = fileURLToPath(new URL('./delay-bridge/main.go', import.meta.url));
  try {
    await run('go', ['build', '-o', join(dir, 'delay-bridge'), source], {
      env: { ...process.env, GO111MODULE: 'off', GOFLAGS: '' },
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`building the delay bridge needs Go (apt-get install golang-go): ${String(error)}`, {
      cause: error,
    });
  }
  return dir;
}

/** Runs a command with `input` on its stdin; rejects with its stderr on a non-zero exit. */
function withInput(argv: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${argv.join(' ')}: ${stderr}`)),
    );
    child.stdin!.end(input);
  });
}

/** nftables rules of a site's router (its WAN interface is `wan`, its LAN side `lan`). */
function natRules(kind: NatKind): string {
  // Linux keeps a flow's source port when it is free (an endpoint-independent mapping, so the
  // address STUN reports is the one peers can reach); `random,fully-random` picks a new port for
  // every flow, so the STUN-reported mapping is useless to anybody else: a symmetric NAT.
  const masquerade = kind === 'symmetric' ? 'masquerade random,fully-random' : 'masquerade persistent';
  // Unsolicited packets from the internet to the router itself are dropped, as a home router
  // does. It matters for hole punching: a peer's first check to this router's mapped port (sent
  // before the host behind it has sent anything there) would otherwise be accepted into conntrack
  // as a flow to the router, and the host's own packet to that peer would then clash with it, so
  // `persistent` masquerade would give it another port: the srflx address learnt by STUN would be
  // wrong for exactly that peer. Dropped in the input hook, the packet's conntrack entry is never
  // confirmed.
  const nat = `table ip pm17nat {
  chain postrouting {
    type nat hook postrouting priority 100;
    oifname "wan" ${masquerade}
  }
  chain input {
    type filter hook input priority 0;
    iifname "wan" ct state new meta l4proto udp drop
  }
}
`;
  if (kind !== 'firewalled') return nat;
  return `${nat}table inet pm17fw {
  chain forwarding {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "lan" tcp dport 443 accept
  }
}
`;
}

/** Random drops of `perTenThousand`/10,000 of the packets arriving on `iface` (prerouting). */
function lossRules(iface: string, perTenThousand: number): string {
  // Drop on prerouting, not output: an output drop fails sendto() with EPERM, a local error
  // some stacks handle differently from loss.
  return `table inet pm17loss {
  chain prerouting {
    type filter hook prerouting priority -300;
    iifname "${iface}" numgen random mod 10000 < ${perTenThousand} counter drop
  }
}
`;
}
