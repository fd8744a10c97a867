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
 */
export function watchPageLifecycle(handlers: PageLifecycleHandlers): () => void {
  if (typeof document === 'undefined' || typeof window === 'undefined') return () => undefined;
  const onVisibility = (): void => handlers.lifecycle(currentLifecycle());
  const onFreeze = (): void => handlers.lifecycle('frozen');
  const onPagehide = (): void => handlers.pagehide();
  document.addEventListener('visibilitychange', onVisibility);
  document.addEventListener('freeze', onFreeze);
  document.addEventListener('resume', onVisibility);
  window.addEventListener('pagehide', onPagehide);
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    document.removeEventListener('freeze', onFreeze);
    document.removeEventListener('resume', onVisibility);
    window.removeEventListener('pagehide', onPagehide);
  };
}
