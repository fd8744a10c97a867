// web-test-runner's dev server does not convert CommonJS, and @thaunknown/simple-peer depends on
// CJS packages (debug, streamx). Answer the bare import with an esbuild ESM pre-bundle, cached.
import { build } from 'esbuild';

const bundlePath = '/__bundled/simple-peer.js';

export function simplePeerPlugin() {
  let bundle;
  return {
    name: 'pulsemesh-simple-peer',
    resolveImport({ source }) {
      if (source === '@thaunknown/simple-peer' || source === '@thaunknown/simple-peer/lite.js')
        return bundlePath;
      return undefined;
    },
    async serve(context) {
      if (context.path !== bundlePath) return undefined;
      bundle ??= build({
        stdin: {
          contents: "export { default } from '@thaunknown/simple-peer/lite.js';",
          resolveDir: process.cwd() + '/packages/webrtc',
        },
        bundle: true,
        format: 'esm',
        platform: 'browser',
        write: false,
        logLevel: 'error',
      }).then((r) => r.outputFiles[0].text);
      return { body: await bundle, type: 'js' };
    },
  };
}
