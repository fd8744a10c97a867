// web-test-runner plugin: starts the servers browser tests need on port 0 (in this process, inside
// the loopback-only namespace) and serves their URLs as JSON at /__services.json:
//   const { signalUrl } = await (await fetch('/__services.json')).json();
// Services are registered lazily: a service module that is missing (not yet built) is skipped.
export function servicesPlugin() {
  const urls = {};
  const stops = [];
  return {
    name: 'pulsemesh-services',
    async serverStart() {
      for (const start of services) {
        const started = await start();
        if (!started) continue;
        Object.assign(urls, started.urls);
        stops.push(started.stop);
      }
    },
    async serverStop() {
      await Promise.all(stops.map((stop) => stop()));
    },
    serve(context) {
      if (context.path === '/__services.json') return { body: JSON.stringify(urls), type: 'json' };
      return undefined;
    },
  };
}

/** Each entry starts one service and returns `{ urls, stop }`, or undefined to skip. */
const services = [];
