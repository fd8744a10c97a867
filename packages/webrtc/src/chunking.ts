/**
 * Framing for the reliable channel: a message larger than one data-channel message (the negotiated
 * `maxMessageSize`, capped at {@link chunkBytesMax}) travels as several chunks, each
 *
 * ```
 * chunk = kind:u8 (1) | messageId:u32 | index:u16 | count:u16 | payload
 * ```
 *
 * The reliable channel is ordered, so the chunks of one message arrive contiguously; the
 * reassembler keeps one message in progress and rejects anything else (counted, never thrown).
 */

/** Frame kind of a message chunk. Append-only. */
export const FrameKind = { chunk: 1 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Bytes of chunk header. */
export const chunkHeaderBytes = 9;
/** Largest chunk we ever send (16 KiB: the size every WebRTC stack accepts). */
export const chunkBytesMax = 16 * 1024;
/** Most chunks per message (u16). */
export const chunksPerMessageMax = 0xffff;

/** Splits `payload` into frames of at most `frameBytes` bytes (header included). */
export function chunkMessage(
  messageId: number,
  payload: Uint8Array,
  frameBytes: number,
): Uint8Array<ArrayBuffer>[] {
  const bodyBytes = frameBytes - chunkHeaderBytes;
  if (bodyBytes < 1) throw new RangeError(`frameBytes ${frameBytes} is too small`);
  const count = Math.max(1, Math.ceil(payload.length / bodyBytes));
  if (count > chunksPerMessageMax)
    throw new RangeError(`message of ${payload.length} bytes needs too many chunks`);
  const frames: Uint8Array<ArrayBuffer>[] = [];
  for (let index = 0; index < count; index++) {
    const body = payload.subarray(index * bodyBytes, (index + 1) * bodyBytes);
    const frame = new Uint8Array(chunkHeaderBytes + body.length);
    const view = new DataView(frame.buffer);
    view.setUint8(0, FrameKind.chunk);
    view.setUint32(1, messageId >>> 0);
    view.setUint16(5, index);
    view.setUint16(7, count);
    frame.set(body, chunkHeaderBytes);
    frames.push(frame);
  }
  return frames;
}

/** Result of feeding one frame to a {@link Reassembler}. */
export type ReassemblyResult =
  { kind: 'partial' } | { kind: 'message'; payload: Uint8Array } | { kind: 'error'; error: string };

/** Rebuilds messages from chunk frames; bounded by `messageBytesMax`. */
export class Reassembler {
  #messageId = -1;
  #next = 0;
  #count = 0;
  #parts: Uint8Array[] = [];
  #bytes = 0;
  /** The current message went over `messageBytesMax`: its remaining chunks are dropped. */
  #discarding = false;

  readonly messageBytesMax: number;

  constructor(messageBytesMax: number) {
    this.messageBytesMax = messageBytesMax;
  }

  /** Feeds one frame; returns a whole message when its last chunk arrived. */
  push(frame: Uint8Array): ReassemblyResult {
    if (frame.length < chunkHeaderBytes) return this.#fail('short frame');
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    if (view.getUint8(0) !== FrameKind.chunk) return this.#fail(`unknown frame kind ${view.getUint8(0)}`);
    const messageId = view.getUint32(1);
    const index = view.getUint16(5);
    const count = view.getUint16(7);
    if (count === 0 || index >= count) return this.#fail('bad chunk index');
    if (index === 0) this.#start(messageId, count);
    else if (messageId !== this.#messageId || index !== this.#next || count !== this.#count)
      return this.#fail('chunk out of sequence');
    this.#next = index + 1;
    const last = this.#next === count;
    if (this.#discarding) {
      if (last) this.#start(-1, 0);
      return { kind: 'partial' };
    }
    const body = frame.subarray(chunkHeaderBytes);
    this.#bytes += body.length;
    if (this.#bytes > this.messageBytesMax) {
      // One error per message: its remaining chunks are swallowed, not each 'out of sequence'.
      this.#parts = [];
      this.#bytes = 0;
      if (last) this.#start(-1, 0);
      else this.#discarding = true;
      return { kind: 'error', error: 'message too large' };
    }
    this.#parts.push(body);
    if (!last) return { kind: 'partial' };
    const payload = concat(this.#parts, this.#bytes);
    this.#start(-1, 0);
    return { kind: 'message', payload };
  }

  #start(messageId: number, count: number): void {
    this.#messageId = messageId;
    this.#count = count;
    this.#next = 0;
    this.#parts = [];
    this.#bytes = 0;
    this.#discarding = false;
  }

  #fail(error: string): ReassemblyResult {
    this.#start(-1, 0);
    return { kind: 'error', error };
  }
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0].slice();
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
