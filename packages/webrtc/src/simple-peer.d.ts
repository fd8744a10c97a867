// Minimal typings for @thaunknown/simple-peer 10.1.2 (it ships none): only the surface we use.
declare module '@thaunknown/simple-peer/lite.js' {
  /** What simple-peer emits on `signal` and accepts in `signal()`: an SDP or an ICE candidate. */
  export interface SignalData {
    type?: 'offer' | 'answer' | 'pranswer' | 'rollback' | 'candidate' | 'renegotiate' | 'transceiverRequest';
    sdp?: string;
    candidate?: RTCIceCandidateInit;
    renegotiate?: boolean;
  }

  export interface PeerOptions {
    initiator?: boolean;
    channelName?: string;
    channelConfig?: RTCDataChannelInit;
    config?: RTCConfiguration & { bindAddress?: string };
    trickle?: boolean;
    objectMode?: boolean;
    iceCompleteTimeout?: number;
  }

  /** A WebRTC peer connection as a streamx Duplex. */
  export default class Peer {
    constructor(opts?: PeerOptions);
    /** The underlying RTCPeerConnection (null once destroyed). */
    _pc: RTCPeerConnection | null;
    /** simple-peer's own data channel (null before setup and once destroyed). */
    _channel: RTCDataChannel | null;
    /** Polls `_channel` every 5 s for a `closing` state stuck in Chrome (set up with the channel). */
    _closingInterval: ReturnType<typeof setInterval> | null;
    readonly connected: boolean;
    readonly destroyed: boolean;
    initiator: boolean;
    signal(data: SignalData | string): void;
    send(chunk: ArrayBufferView | ArrayBuffer | string): void;
    destroy(err?: Error): void;
    on(event: 'signal', listener: (data: SignalData) => void): this;
    on(event: 'connect' | 'close', listener: () => void): this;
    on(event: 'data', listener: (data: Uint8Array) => void): this;
    on(event: 'error', listener: (err: Error & { code?: string }) => void): this;
    on(event: 'iceStateChange', listener: (ice: string, gathering: string) => void): this;
    removeAllListeners(event?: string): this;
    removeListener(event: string, listener: (...args: never[]) => void): this;
    static WEBRTC_SUPPORT: boolean;
  }
}

declare module '@thaunknown/simple-peer' {
  export { default } from '@thaunknown/simple-peer/lite.js';
  export type * from '@thaunknown/simple-peer/lite.js';
}

// Classic simple-peer 9.11.1 (tests only: the app-side connection pulsemesh attaches to).
declare module 'simple-peer' {
  import type { PeerOptions } from '@thaunknown/simple-peer/lite.js';
  import Peer from '@thaunknown/simple-peer/lite.js';
  export default class ClassicPeer extends Peer {
    constructor(opts?: PeerOptions & { wrtc?: object });
  }
}
