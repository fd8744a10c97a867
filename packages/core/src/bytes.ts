/**
 * Byte-level helpers for the codec: a growable writer over a reused scratch buffer, a bounds-checked
 * reader that never throws (it latches an error instead), LEB128 varints, and UTF-8 without relying on
 * `TextEncoder` (core declares no DOM or Node globals).
 */

/** Bytes of one slab that {@link ByteWriter.finishInSlab} hands out views of. */
export const SLAB_BYTES = 65536;
let slab = new Uint8Array(0);
let slabUsed = 0;

/** Writes into a shared scratch buffer; `finish()` copies the written bytes out. */
export class ByteWriter {
  private buf: Uint8Array;
  private readonly views: (Uint8Array | undefined)[] = [];
  pos = 0;
  constructor(initialBytes = 2048) {
    this.buf = new Uint8Array(initialBytes);
  }
  reset(): this {
    this.pos = 0;
    return this;
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }
  /** Unsigned LEB128 for integers in [0, 2^53). */
  varint(v: number): void {
    this.ensure(8);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.pos++] = x;
  }
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    // Ids are a few bytes: a loop beats `set`'s call overhead there (a hot path at 10k nodes).
    if (n <= 16) for (let i = 0; i < n; i++) this.buf[this.pos + i] = b[i] as number;
    else this.buf.set(b, this.pos);
    this.pos += n;
  }
  /** Writes the first `n` char codes of `s`, each one byte (the caller checked they are ASCII). */
  ascii(s: string, n: number): void {
    this.ensure(n);
    for (let i = 0; i < n; i++) this.buf[this.pos + i] = s.charCodeAt(i);
    this.pos += n;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
  /**
   * Like `finish()`, but the copy is a view into a shared slab of {@link SLAB_BYTES}: for encoded
   * messages, which a transport consumes soon. A `slice` per message gave each its own
   * `ArrayBuffer` (an off-heap allocation, weakly tracked by the GC); at 10,000 simulated nodes
   * that was a few % of the run. A view's neighbours are other messages, never reused memory: a
   * slab is only dropped, never rewritten. Nothing may keep such a view for long (it pins its slab).
   */
  finishInSlab(): Uint8Array {
    const n = this.pos;
    if (n > SLAB_BYTES >>> 3) return this.buf.slice(0, n);
    if (slabUsed + n > slab.length) {
      slab = new Uint8Array(SLAB_BYTES);
      slabUsed = 0;
    }
    const out = slab.subarray(slabUsed, slabUsed + n);
    out.set(this.view());
    slabUsed += n;
    return out;
  }
  /**
   * The written bytes as a view of the scratch buffer, valid only until this writer is next used
   * (no copy: for bytes consumed at once, such as the data a signature covers).
   */
  view(): Uint8Array {
    // One view per length, made once per buffer: signing bytes are checked for every received
    // signed update, and a fresh view each time was ~4 % of the bytes allocated at scale.
    let v = this.views[this.pos];
    if (v === undefined || v.buffer !== this.buf.buffer) {
      v = this.buf.subarray(0, this.pos);
      this.views[this.pos] = v;
    }
    return v;
  }
}

/** Reads from untrusted bytes. Any overrun latches `error` and returns zeros; callers check `error`. */
export class ByteReader {
  pos = 0;
  error: string | undefined = undefined;
  private buf: Uint8Array;
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }
  /** Starts reading `buf` from its first byte, with no error latched (one reader serves every decode). */
  reset(buf: Uint8Array): this {
    this.buf = buf;
    this.pos = 0;
    this.error = undefined;
    return this;
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  /** The bytes being read (to look at the next ones in place, e.g. an id's before it is a string). */
  get buffer(): Uint8Array {
    return this.buf;
  }
  fail(error: string): void {
    this.error ??= error;
  }
  u8(): number {
    if (this.pos + 1 > this.buf.length) {
      this.fail('truncated');
      return 0;
    }
    return this.buf[this.pos++] as number;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  /** LEB128, at most 8 bytes (values < 2^56 rejected above 2^53 − 1). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (result > Number.MAX_SAFE_INTEGER) this.fail('varint-overflow');
        return result;
      }
      scale *= 0x80;
    }
    this.fail('varint-overflow');
    return 0;
  }
  /**
   * The next `n` bytes as an interned UTF-8 string ({@link internUtf8}, no view allocated on a
   * cache hit); undefined when malformed. On overrun latches `truncated` and returns ''.
   */
  utf8Interned(n: number): string | undefined {
    if (this.pos + n > this.buf.length) {
      this.fail('truncated');
      return '';
    }
    const start = this.pos;
    this.pos += n;
    return internUtf8(this.buf, start, this.pos);
  }
  /** The next `n` bytes as a view of the input (see {@link copy} for bytes that are kept). */
  bytes(n: number): Uint8Array {
    const at = this.take(n);
    return at < 0 ? new Uint8Array(0) : this.buf.subarray(at, at + n);
  }
  /** The next `n` bytes copied into their own array (one allocation, no view in between). */
  copy(n: number): Uint8Array {
    const at = this.take(n);
    return at < 0 ? new Uint8Array(0) : this.buf.slice(at, at + n);
  }
  /** Moves past the next `n` bytes and returns where they start; on overrun latches `truncated`, −1. */
  private take(n: number): number {
    if (this.pos + n > this.buf.length) {
      this.fail('truncated');
      return -1;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
  /**
   * The next `n` bytes as `known` when they equal it (no allocation), else as a fresh copy.
   * For values that repeat, such as a signer's public key.
   */
  reuseOrCopy(n: number, known: Uint8Array | undefined): Uint8Array {
    if (known === undefined || known.length !== n || this.pos + n > this.buf.length) return this.copy(n);
    const b = this.buf;
    const at = this.pos;
    for (let i = 0; i < n; i++) if (known[i] !== b[at + i]) return this.copy(n);
    this.pos += n;
    return known;
  }
}

/** UTF-8 encoding of a string (lone surrogates become U+FFFD, like `TextEncoder`). */
export function encodeUtf8(s: string): Uint8Array {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    const a = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
    return a;
  }
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** Strict UTF-8 decoding; undefined on malformed input (overlongs, surrogates, truncation). */
export function decodeUtf8(b: Uint8Array): string | undefined {
  let ascii = true;
  for (let i = 0; i < b.length; i++) {
    if ((b[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    let cp: number;
    let n: number;
    if (c < 0x80) {
      cp = c;
      n = 0;
    } else if (c >= 0xc2 && c < 0xe0) {
      cp = c & 0x1f;
      n = 1;
    } else if (c >= 0xe0 && c < 0xf0) {
      cp = c & 0x0f;
      n = 2;
    } else if (c >= 0xf0 && c < 0xf5) {
      cp = c & 0x07;
      n = 3;
    } else return undefined;
    for (let j = 1; j <= n; j++) {
      const d = b[i + j];
      if (d === undefined || (d & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n === 2 && cp < 0x800) || (n === 3 && (cp < 0x10000 || cp > 0x10ffff))) return undefined;
    if (cp >= 0xd800 && cp <= 0xdfff) return undefined;
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}

const INTERN_SLOTS = 1 << 14;
const internBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(INTERN_SLOTS);
const internStrings: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS);
/**
 * Per slot: the id's length + 1 (0 = empty slot) and its first 8 bytes as two little-endian words, in
 * one typed array, so a short id (≤ 8 bytes: every simulator id) is matched without following the
 * slot's byte array (at 10,000 nodes each pointer followed is a cache miss).
 */
const internKeys = new Int32Array(INTERN_SLOTS * 3);

/**
 * Decodes a short UTF-8 id (`b[start..end)`) through a direct-mapped intern cache (FNV-1a over the
 * bytes): the same bytes give the same string object, so hot paths allocate nothing (no view on a
 * hit) and Map lookups reuse the string's cached hash. Undefined on malformed UTF-8 (see
 * {@link decodeUtf8}).
 */
export function internUtf8(b: Uint8Array, start = 0, end = b.length): string | undefined {
  let h = 0x811c9dc5;
  let lo = 0;
  let hi = 0;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    h = Math.imul(h ^ c, 0x01000193);
    const k = i - start;
    if (k < 4) lo |= c << (8 * k);
    else if (k < 8) hi |= c << (8 * (k - 4));
  }
  const slot = (h >>> 0) & (INTERN_SLOTS - 1);
  const len = end - start;
  const key = slot * 3;
  if (internKeys[key] === len + 1 && internKeys[key + 1] === lo && internKeys[key + 2] === hi) {
    let same = true;
    if (len > 8) {
      const cached = internBytes[slot] as Uint8Array;
      for (let i = 8; i < len; i++) {
        if (cached[i] !== b[start + i]) {
          same = false;
          break;
        }
      }
    }
    if (same) return internStrings[slot];
  }
  const view = start === 0 && end === b.length ? b : b.subarray(start, end);
  const s = decodeUtf8(view);
  if (s === undefined) return undefined;
  internBytes[slot] = len > 8 ? view.slice() : undefined;
  internStrings[slot] = s;
  internKeys[key] = len + 1;
  internKeys[key + 1] = lo;
  internKeys[key + 2] = hi;
  return s;
}
