import { MlsError } from "./errors.js";
import { Reader } from "./reader.js";
import { Writer } from "./writer.js";

/**
 * An encoder/decoder pair for one TLS-presentation type. Struct codecs for the
 * RFC 9420 wire types are composed from the combinators below by the package
 * that owns each struct.
 */
export interface Codec<T> {
  encode(w: Writer, value: T): void;
  decode(r: Reader): T;
}

/** Encodes `value` to a fresh byte array. */
export function encode<T>(codec: Codec<T>, value: T, capacity?: number): Uint8Array {
  const w = new Writer(capacity);
  codec.encode(w, value);
  return w.finish();
}

/**
 * Decodes a whole input; trailing bytes are an error (RFC 9420 §2.1: a
 * structure's encoding is exact).
 */
export function decode<T>(codec: Codec<T>, bytes: Uint8Array, name?: string): T {
  const r = new Reader(bytes);
  const v = name === undefined ? codec.decode(r) : r.field(name, () => codec.decode(r));
  r.assertEnd();
  return v;
}

export const uint8: Codec<number> = { encode: (w, v) => w.uint8(v), decode: (r) => r.uint8() };
export const uint16: Codec<number> = { encode: (w, v) => w.uint16(v), decode: (r) => r.uint16() };
export const uint32: Codec<number> = { encode: (w, v) => w.uint32(v), decode: (r) => r.uint32() };
export const uint64: Codec<bigint> = { encode: (w, v) => w.uint64(v), decode: (r) => r.uint64() };
export const varint: Codec<number> = { encode: (w, v) => w.varint(v), decode: (r) => r.varint() };

/** `opaque data<V>`. Decoded bytes are copied so they do not alias the input. */
export const opaque: Codec<Uint8Array> = {
  encode: (w, v) => w.opaque(v),
  decode: (r) => r.opaque().slice(),
};

/** `opaque data[n]`: exactly `n` bytes, no prefix. */
export function fixedBytes(n: number): Codec<Uint8Array> {
  return {
    encode(w, v) {
      if (v.length !== n) throw new MlsError("codec/value-out-of-range", `expected ${n} bytes, got ${v.length}`);
      w.bytes(v);
    },
    decode: (r) => r.bytes(n).slice(),
  };
}

/** `T items<V>`: a byte-length-prefixed sequence of items. */
export function vector<T>(item: Codec<T>): Codec<T[]> {
  return {
    encode(w, items) {
      w.prefixed((body) => {
        for (const it of items) item.encode(body, it);
      });
    },
    decode(r) {
      return r.prefixed((body) => {
        const out: T[] = [];
        while (body.remaining > 0) {
          const index = out.length;
          out.push(body.field(`[${index}]`, () => item.decode(body)));
        }
        return out;
      });
    },
  };
}

/**
 * `optional<T>` (RFC 9420 §2.1.1): a uint8 presence flag, 0 or 1, then the
 * value. Any other flag value is malformed.
 */
export function optional<T>(item: Codec<T>): Codec<T | undefined> {
  return {
    encode(w, v) {
      if (v === undefined) {
        w.uint8(0);
      } else {
        w.uint8(1);
        item.encode(w, v);
      }
    },
    decode(r) {
      const at = r.offset;
      const flag = r.uint8();
      if (flag === 0) return undefined;
      if (flag !== 1) r.fail("codec/invalid-value", `optional presence flag ${flag} is neither 0 nor 1`, at);
      return item.decode(r);
    },
  };
}

/** The codecs of a {@link struct}'s fields, one per property of `T`. */
export type Fields<T> = { readonly [K in keyof T]-?: Codec<T[K]> };

/**
 * A struct: fields encoded in declaration order. Field names are pushed on
 * the reader's path so decode errors name the failing field.
 */
export function struct<T extends object>(fields: Fields<T>): Codec<T> {
  const entries = Object.entries(fields) as [keyof T & string, Codec<unknown>][];
  return {
    encode(w, v) {
      for (const [k, c] of entries) c.encode(w, v[k]);
    },
    decode(r) {
      const out = {} as Record<string, unknown>;
      for (const [k, c] of entries) out[k] = r.field(k, () => c.decode(r));
      return out as T;
    },
  };
}

/**
 * A uint8/uint16-tagged enumeration restricted to `allowed` values; unknown
 * values are malformed (use plain `uint16` where the RFC says to tolerate them).
 */
export function enumeration<T extends number>(tag: Codec<number>, allowed: readonly T[], name: string): Codec<T> {
  const set = new Set<number>(allowed);
  return {
    encode: (w, v) => tag.encode(w, v),
    decode(r) {
      const at = r.offset;
      const v = tag.decode(r);
      if (!set.has(v)) r.fail("codec/invalid-value", `unknown ${name} ${v}`, at);
      return v as T;
    },
  };
}

/** Maps a codec of one representation onto another (for branded or wrapped types). */
export function mapped<A, B>(inner: Codec<A>, to: (a: A) => B, from: (b: B) => A): Codec<B> {
  return {
    encode: (w, v) => inner.encode(w, from(v)),
    decode: (r) => to(inner.decode(r)),
  };
}
