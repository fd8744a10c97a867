// Node test support: a real signaling server on 127.0.0.1:0 and meshes of Node peers joined to it.
import { createSignalServer, type SignalServer, type SignalServerOptions } from '@pulsemesh/signal-server';
import { WebSocket } from 'ws';
import { createMesh, type Mesh, type MeshOptions } from './mesh.js';
import { fastConfig } from './test-config.js';

export { fastConfig };

/** A signaling server plus the meshes started against it. */
export class TestRoom {
  readonly meshes: Mesh[] = [];
  server: SignalServer;
  readonly url: string;
  readonly room: string;

  private constructor(server: SignalServer, url: string, room: string) {
    this.server = server;
    this.url = url;
    this.room = room;
  }

  /** Kills the signaling server (no goodbye to any socket); returns a function that restarts it on
   * the same port, so clients reconnect. */
  async killServer(): Promise<() => Promise<void>> {
    const port = Number(new URL(this.url).port);
    await this.server.kill();
    return async () => {
      this.server = createSignalServer({ logLevel: 'silent' });
      await this.server.listen(port, '127.0.0.1');
    };
  }

  static async start(room = 'test-room', serverOptions: SignalServerOptions = {}): Promise<TestRoom> {
    const server = createSignalServer({ logLevel: 'silent', ...serverOptions });
    const { url } = await server.listen(0, '127.0.0.1');
    return new TestRoom(server, url, room);
  }

  join(peerId: string, options: Partial<MeshOptions> = {}): Mesh {
    const mesh = createMesh({
      signalUrl: this.url,
      room: this.room,
      peerId,
      bindAddress: '127.0.0.1',
      WebSocket: WebSocket as unknown as NonNullable<MeshOptions['WebSocket']>,
      config: fastConfig,
      ...options,
    });
    this.meshes.push(mesh);
    return mesh;
  }

  async close(): Promise<void> {
    for (const m of this.meshes) m.close();
    await this.server.close();
  }
}

/** The state `viewer` holds for `peer`, or undefined if unknown. */
export function stateOf(viewer: Mesh, peer: string): string | undefined {
  return viewer.peers().find((p) => p.id === peer)?.state;
}
