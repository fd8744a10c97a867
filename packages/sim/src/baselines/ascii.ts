/** JSON ⇄ UTF-8 bytes for the `seed` baseline, whose heartbeats are JSON as in the tutorial. */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `JSON.stringify(value)` as UTF-8 bytes. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parses UTF-8 JSON bytes; returns an `Error` instead of throwing. */
export function decodeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
