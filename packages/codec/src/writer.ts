import { MlsError } from "./errors.js";
import { MAX_VARINT, varintSize } from "./varint.js";

/**
 * An append-only byte buffer for TLS-presentation encoding. Length-prefixed
 * blocks are written in place: the body is encoded first behind room for the
 * largest prefix, then moved down to sit behind the minimal prefix, so nested
 * structures cost no intermediate arrays.
 */
export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  /**
   * @param initialCapacity bytes to start with; the default stays within the
   *   size V8 allocates on its heap (larger typed arrays cost an off-heap
   *   backing store each, which dominates the many small encodes MLS does).
   */
  constructor(initialCapacity = 64) {
    this.buf = new Uint8Array(initialCapacity);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  uint8(v: number): void {
    checkUint(v, 0xff, "uint8");
    this.reserve(1);
    this.buf[this.pos++] = v;
  }

  uint16(v: number): void {
    checkUint(v, 0xffff, "uint16");
    this.reserve(2);
    const b = this.buf;
    b[this.pos++] = v >>> 8;
    b[this.pos++] = v & 0xff;
  }

  uint32(v: number): void {
    checkUint(v, 0xffffffff, "uint32");
    this.reserve(4);
    const b = this.buf;
    b[this.pos++] = v >>> 24;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = v & 0xff;
  }

  uint64(v: bigint): void {
    if (typeof v !== "bigint" || v < 0n || v > 0xffffffffffffffffn) {
      throw new MlsError("codec/value-out-of-range", `uint64 value out of range: ${String(v)}`);
    }
    const hi = Number(v >> 32n);
    const lo = Number(v & 0xffffffffn);
    this.uint32(hi);
    this.uint32(lo);
  }

  /** A varint (RFC 9420 §2.1.2) in its minimal encoding. */
  varint(v: number): void {
    checkUint(v, MAX_VARINT, "varint");
    const size = varintSize(v);
    this.reserve(size);
    writeVarintAt(this.buf, this.pos, v, size);
    this.pos += size;
  }

  /** Raw bytes with no length prefix (fixed-size fields). */
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** `opaque data<V>`: a varint length then the bytes. */
  opaque(b: Uint8Array): void {
    this.varint(b.length);
    this.bytes(b);
  }

  /** `n` zero bytes (padding). */
  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }

  /**
   * A varint-length-prefixed block whose body `writeBody` writes into this writer.
   * Used for vectors `T items<V>`, whose prefix counts bytes, not items.
   */
  prefixed(writeBody: (w: Writer) => void): void {
    this.reserve(4);
    const start = this.pos;
    this.pos += 4;
    writeBody(this);
    const bodyLen = this.pos - start - 4;
    checkUint(bodyLen, MAX_VARINT, "vector length");
    const size = varintSize(bodyLen);
    if (size !== 4) this.buf.copyWithin(start + size, start + 4, this.pos);
    writeVarintAt(this.buf, start, bodyLen, size);
    this.pos -= 4 - size;
  }

  /**
   * The encoded bytes: a copy, so that the writer can be reused or dropped
   * without the result holding its spare capacity. A writer made with the
   * exact size hands its buffer over instead (no copy) and starts afresh.
   */
  finish(): Uint8Array {
    if (this.pos === this.buf.length) {
      const out = this.buf;
      this.buf = new Uint8Array(64);
      this.pos = 0;
      return out;
    }
    return this.buf.slice(0, this.pos);
  }
}

function writeVarintAt(buf: Uint8Array, at: number, v: number, size: 1 | 2 | 4): void {
  if (size === 1) {
    buf[at] = v;
  } else if (size === 2) {
    buf[at] = 0x40 | (v >>> 8);
    buf[at + 1] = v & 0xff;
  } else {
    buf[at] = 0x80 | (v >>> 24);
    buf[at + 1] = (v >>> 16) & 0xff;
    buf[at + 2] = (v >>> 8) & 0xff;
    buf[at + 3] = v & 0xff;
  }
}

function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new MlsError("codec/value-out-of-range", `${what} value out of range: ${String(v)}`);
  }
}
