import type { Lifecycle } from '@pulsemesh/core';

/** What the page lifecycle tells the mesh. */
export interface PageLifecycleHandlers {
  /** The page's lifecycle state changed (visible, hidden, frozen). */
  lifecycle(state: Lifecycle): void;
  /** The page is going away (`pagehide`): leave gracefully, synchronously. */
  pagehide(): void;
}

/** The current lifecycle of this page, or `server` outside a browser. */
export function currentLifecycle(): Lifecycle {
  if (typeof document === 'undefined') return 'server';
  return document.visibilityState === 'hidden' ? 'hidden' : 'visible';
}

/**
 * Watches `visibilitychange`, `freeze`, `resume` and `pagehide` (Page Lifecycle API) and reports
 * them; returns a function that stops watching. Does nothing outside a browser.
 *
 * `pagehide` is reported twice, from two listeners: Firefox can cut a closing window's script off
 * in the middle of a listener (uncatchable: no `catch`, no `finally` runs) and still run the next
 * listener, so `handlers.pagehide` must finish, on its second call, what its first left undone (and
 * do nothing more once all is done). Stopping from inside the first call keeps the second.
 */
export function watchPageLifecycle(handlers: PageLifecycleHandlers): () => void {
  if (typeof document === 'undefined' || typeof window === 'undefined') return () => undefined;
  let inPagehide = false;
  let stopAfterPagehide = false;
  const onVisibility = (): void => handlers.lifecycle(currentLifecycle());
  const onFreeze = (): void => handlers.lifecycle('frozen');
  const onPagehide = (): void => {
    inPagehide = true;
    handlers.pagehide();
  };
  const onPagehideAgain = (): void => {
    inPagehide = false;
    try {
      handlers.pagehide();
    } finally {
      if (stopAfterPagehide) stop();
    }
  };
  const stop = (): void => {
    document.removeEventListener('visibilitychange', onVisibility);
    document.removeEventListener('freeze', onFreeze);
    document.removeEventListener('resume', onVisibility);
    window.removeEventListener('pagehide', onPagehide);
    window.removeEventListener('pagehide', onPagehideAgain);
  };
  document.addEventListener('visibilitychange', onVisibility);
  document.addEventListener('freeze', onFreeze);
  document.addEventListener('resume', onVisibility);
  window.addEventListener('pagehide', onPagehide);
  window.addEventListener('pagehide', onPagehideAgain);
  return () => {
    // Removing a listener during its event's dispatch would keep it from running.
    if (inPagehide) stopAfterPagehide = true;
    else stop();
  };
}
