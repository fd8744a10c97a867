/**
 * One Node edge peer as a child process: the real CLI (`apps/edge-peer/src/main.ts --json`),
 * its JSON event lines parsed and kept (bounded), its exit awaited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Repository root (the edge peer runs with it as working directory, so `--import tsx` resolves). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Preload that stops the child when this process dies. */
const exitWithParent = new URL('./exit-with-parent.ts', import.meta.url).href;

/** One `--json` line of the edge peer (`type`, `ts`, `self`, plus the event's fields). */
export type EdgeEvent = Record<string, unknown> & { type: string };

/** Options of {@link EdgePeerProcess.start}. */
export interface EdgePeerStart {
  id: string;
  signalUrl: string;
  room: string;
  /** Detector overrides (`--config`). */
  config: Record<string, number>;
  /** ICE bind address. Default `127.0.0.1` (loopback). */
  bindAddress?: string;
  /** Called with every parsed event line (for logs). */
  onEvent?: (event: EdgeEvent) => void;
  /** Called with every stderr chunk. */
  onStderr?: (text: string) => void;
}

/** Event lines kept per process (oldest dropped). */
const eventsMax = 5_000;
/** How long `stop()` waits for a graceful exit before SIGKILL (ms). */
const stopGraceMs = 3_000;

/** A running edge peer process. */
export class EdgePeerProcess {
  readonly events: EdgeEvent[] = [];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  #exitCode: number | null | undefined;

  private constructor(
    readonly id: string,
    readonly proc: ChildProcess,
    onEvent: ((event: EdgeEvent) => void) | undefined,
  ) {
    let buffer = '';
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        let event: EdgeEvent;
        try {
          event = JSON.parse(line) as EdgeEvent;
        } catch (error) {
          process.stderr.write(`[${id}] unparsable line (${String(error)}): ${line}\n`);
          continue;
        }
        this.events.push(event);
        if (this.events.length > eventsMax) this.events.shift();
        onEvent?.(event);
      }
    });
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code) => {
        this.#exitCode = code;
        resolve(code);
      }),
    );
  }

  /** Starts the CLI. */
  static start(options: EdgePeerStart): EdgePeerProcess {
    const proc = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        '--import',
        exitWithParent,
        'apps/edge-peer/src/main.ts',
        `--signal=${options.signalUrl}`,
        `--room=${options.room}`,
        `--id=${options.id}`,
        '--json',
        `--bind-address=${options.bindAddress ?? '127.0.0.1'}`,
        `--config=${JSON.stringify(options.config)}`,
      ],
      // Own process group: a Ctrl-C in the terminal reaches the orchestrator, which stops us in order.
      // stdin is a pipe only so the child notices when this process dies (`exit-with-parent.ts`).
      { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], detached: true },
    );
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (text: string) => options.onStderr?.(text));
    return new EdgePeerProcess(options.id, proc, options.onEvent);
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.#exitCode === undefined;
  }

  /** SIGKILL: no goodbye, links stay half-open until the others' detectors notice. */
  kill(): void {
    if (this.running) this.proc.kill('SIGKILL');
  }

  /** SIGTERM (graceful leave), then SIGKILL if it is still running after a grace period. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), stopGraceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
