import { timerDelayMs } from '@pulsemesh/core/runtime';

/**
 * Where the detector's timer comes from. The page's own `setTimeout` is clamped to one wake-up per
 * second in a hidden tab (and to one per minute after five minutes under intensive throttling);
 * a dedicated Worker's timers are not, and its `postMessage` back to the page is an ordinary task,
 * not a timer, so it is not aligned to the throttled wake-ups either. So in browsers the tick clock
 * runs in a small Worker built from a Blob URL (no bundler configuration needed), and falls back to
 * page timers where Workers or Blob URLs are unavailable (Node, strict CSP).
 */
export interface TickScheduler {
  /** Which clock this is, for diagnostics: `timers` (page/Node `setTimeout`) or `worker`. */
  readonly kind: 'timers' | 'worker';
  /** Calls `fn` once, about `delayMs` from now; returns a cancel function. */
  schedule(fn: () => void, delayMs: number): () => void;
  /** Cancels everything and releases the Worker. */
  close(): void;
}

/**
 * A scheduler over `setTimeout` (unref'd in Node, so it never keeps a process alive), its delays
 * rounded up by `timerDelayMs` so a timer never fires just before its deadline (decision 0068).
 */
export function timerScheduler(): TickScheduler {
  const handles = new Set<ReturnType<typeof setTimeout>>();
  return {
    kind: 'timers',
    schedule(fn, delayMs) {
      const handle = setTimeout(() => {
        handles.delete(handle);
        fn();
      }, timerDelayMs(delayMs));
      (handle as { unref?: () => void }).unref?.();
      handles.add(handle);
      return () => {
        clearTimeout(handle);
        handles.delete(handle);
      };
    },
    close() {
      for (const h of handles) clearTimeout(h);
      handles.clear();
    },
  };
}

const workerSource = `
const timers = new Map();
onmessage = (e) => {
  const { id, delayMs } = e.data;
  if (delayMs < 0) { clearTimeout(timers.get(id)); timers.delete(id); return; }
  timers.set(id, setTimeout(() => { timers.delete(id); postMessage(id); }, delayMs));
};`;

/** A scheduler whose timers run in a dedicated Worker; undefined where that is impossible. */
export function workerScheduler(): TickScheduler | undefined {
  if (
    typeof Worker === 'undefined' ||
    typeof Blob === 'undefined' ||
    typeof URL?.createObjectURL !== 'function'
  )
    return undefined;
  let worker: Worker;
  let url: string;
  try {
    url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
    worker = new Worker(url);
  } catch {
    // A CSP without blob: in worker-src refuses the Worker; the caller falls back to page timers.
    return undefined;
  }
  const pending = new Map<number, () => void>();
  let nextId = 1;
  worker.onmessage = (e: MessageEvent<number>) => {
    const fn = pending.get(e.data);
    pending.delete(e.data);
    fn?.();
  };
  return {
    kind: 'worker',
    schedule(fn, delayMs) {
      const id = nextId++;
      pending.set(id, fn);
      worker.postMessage({ id, delayMs: Math.max(0, delayMs) });
      return () => {
        if (pending.delete(id)) worker.postMessage({ id, delayMs: -1 });
      };
    },
    close() {
      pending.clear();
      worker.terminate();
      URL.revokeObjectURL(url);
    },
  };
}
