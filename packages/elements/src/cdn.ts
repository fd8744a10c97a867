/**
 * `@pulsemesh/elements/cdn`: everything a page needs without a bundler, built into one minified,
 * self-contained ES module (`dist/pulsemesh.js`: Lit, the elements, the detector, the WebRTC
 * transport and the signaling client). Importing it registers the elements.
 *
 * ```html
 * <script type="module" src="https://cdn.jsdelivr.net/npm/@pulsemesh/elements/dist/pulsemesh.js"></script>
 * <pulse-mesh signal-url="wss://signal.example" room="my-room"></pulse-mesh>
 * ```
 */
export * from './index.js';
export { Detector, presets } from '@pulsemesh/core';
export { createMesh, Mesh, type MeshOptions } from '@pulsemesh/webrtc';
