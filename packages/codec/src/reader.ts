import { CodecError, type CodecErrorCode } from "./errors.js";

/**
 * A cursor over encoded bytes. Every read checks bounds and throws a
 * {@link CodecError} carrying the offset and the current field path, so a
 * malformed message names the field that broke it.
 *
 * Byte fields are returned as subarrays of the input (no copy); callers that
 * keep them beyond the input's lifetime and fear mutation should copy.
 */
export class Reader {
  private readonly view: DataView;
  private pos: number;
  private end: number;
  private readonly path: string[] = [];

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = 0;
    this.end = buf.length;
  }

  /** Current offset from the start of the input. */
  get offset(): number {
    return this.pos;
  }

  /** Bytes left before the end of the current (innermost) block. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws a CodecError at the current offset and field path. */
  fail(code: CodecErrorCode, reason: string, at = this.pos): never {
    throw new CodecError(code, reason, at, this.path.join("."));
  }

  /** Runs `fn` with `name` pushed on the field path used in error messages. */
  field<T>(name: string, fn: () => T): T {
    this.path.push(name);
    const v = fn();
    this.path.pop();
    return v;
  }

  private need(n: number): void {
    if (this.end - this.pos < n) {
      this.fail("codec/truncated", `need ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  uint8(): number {
    this.need(1);
    const v = this.buf[this.pos++];
    if (v === undefined) this.fail("codec/truncated", "need 1 byte, 0 left", this.pos - 1);
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  uint64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  /** A varint (RFC 9420 §2.1.2); rejects the 0b11 prefix and non-minimal encodings. */
  varint(): number {
    const start = this.pos;
    const first = this.uint8();
    const prefix = first >>> 6;
    if (prefix === 0) return first;
    if (prefix === 3) this.fail("codec/invalid-varint", "varint with reserved 0b11 prefix", start);
    const size = prefix === 1 ? 2 : 4;
    this.pos = start;
    this.need(size);
    let v = first & 0x3f;
    for (let i = 1; i < size; i++) {
      const b = this.buf[start + i];
      if (b === undefined) this.fail("codec/truncated", `need ${size} bytes for the varint`, start);
      v = v * 256 + b;
    }
    this.pos = start + size;
    // RFC 9420 §2.1.2: "the value MUST be encoded with the minimum number of bytes".
    if ((size === 2 && v < 0x40) || (size === 4 && v < 0x4000)) {
      this.fail("codec/non-minimal-varint", `varint ${v} not minimally encoded in ${size} bytes`, start);
    }
    return v;
  }

  /** `n` raw bytes (a fixed-size field), as a subarray of the input. */
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** `opaque data<V>`. */
  opaque(): Uint8Array {
    const len = this.varint();
    return this.bytes(len);
  }

  /**
   * Reads a varint-length-prefixed block and runs `readBody` confined to it;
   * the body must consume the block exactly.
   */
  prefixed<T>(readBody: (r: Reader) => T): T {
    const len = this.varint();
    this.need(len);
    const outerEnd = this.end;
    this.end = this.pos + len;
    const v = readBody(this);
    if (this.pos !== this.end) {
      this.fail("codec/length-mismatch", `${this.end - this.pos} unread bytes in length-prefixed block`);
    }
    this.end = outerEnd;
    return v;
  }

  /** Fails unless the whole input has been consumed (no trailing bytes). */
  assertEnd(): void {
    if (this.pos !== this.buf.length) {
      this.fail("codec/trailing-bytes", `${this.buf.length - this.pos} trailing bytes`);
    }
  }
}
