import type { MeshView } from '@pulsemesh/core';

/** Connection options `<pulse-mesh>` passes to `@pulsemesh/webrtc`'s `createMesh`. */
export interface OwnMeshOptions {
  signalUrl: string;
  room: string;
  token?: string;
  preset?: string;
}

/** A mesh the element started itself and must close. */
export interface OwnedMesh extends MeshView {
  close(): void | Promise<void>;
}

/** Raised when `@pulsemesh/webrtc` cannot be loaded or does not export `createMesh`. */
export class MeshStartError extends Error {
  override readonly name = 'MeshStartError';
}

interface WebrtcModule {
  createMesh?: (options: OwnMeshOptions) => OwnedMesh | Promise<OwnedMesh>;
}

/**
 * Loads `@pulsemesh/webrtc` on demand (so the elements bundle stays small and works without it)
 * and starts a peer. Returns the mesh or a {@link MeshStartError}; never throws.
 */
export async function startOwnMesh(options: OwnMeshOptions): Promise<OwnedMesh | MeshStartError> {
  let module: WebrtcModule;
  try {
    module = (await import('@pulsemesh/webrtc')) as unknown as WebrtcModule;
  } catch (error) {
    return new MeshStartError(`@pulsemesh/webrtc could not be loaded: ${String(error)}`, { cause: error });
  }
  if (typeof module.createMesh !== 'function') {
    return new MeshStartError('@pulsemesh/webrtc does not export createMesh');
  }
  try {
    return await module.createMesh(options);
  } catch (error) {
    return new MeshStartError(`createMesh failed: ${String(error)}`, { cause: error });
  }
}
