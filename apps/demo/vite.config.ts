// The demo page. Workspace packages resolve to their TypeScript source (`source` condition), so
// the dev server needs no build of the libraries. `VITE_SIGNAL_URL` (or `?signal=` in the page URL)
// points the page at a signaling server; the default is the one `pnpm demo` starts.
import { defineConfig } from 'vite';

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  resolve: { conditions: ['source', 'browser', 'module', 'import', 'development|production'] },
  server: { host: '127.0.0.1', strictPort: false },
  preview: { host: '127.0.0.1' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rolldownOptions: {
      // Two pages: the mesh demo and the collaborative notes (Yjs over y-webrtc, watched).
      input: {
        main: new URL('index.html', import.meta.url).pathname,
        notes: new URL('notes.html', import.meta.url).pathname,
      },
      onwarn(warning, warn) {
        // <pulse-mesh> loads @pulsemesh/webrtc lazily for its attribute mode; the demo imports it
        // up front (it hands the element its own mesh), so one chunk is the expected outcome.
        if (warning.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return;
        warn(warning);
      },
    },
  },
});
