/**
 * ASCII/JSON ⇄ bytes without `TextEncoder` (sim has no DOM or Node types). Non-ASCII characters
 * are written as JSON `\u` escapes, so the output is always valid 7-bit JSON.
 */

/** `JSON.stringify(value)` as 7-bit bytes. */
export function encodeJson(value: unknown): Uint8Array {
  const s = JSON.stringify(value);
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) out.push(c);
    else for (const ch of `\\u${c.toString(16).padStart(4, '0')}`) out.push(ch.charCodeAt(0));
  }
  return Uint8Array.from(out);
}

/** Parses 7-bit JSON bytes; returns an `Error` instead of throwing. */
export function decodeJson(bytes: Uint8Array): unknown {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i] as number);
  try {
    return JSON.parse(s) as unknown;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
