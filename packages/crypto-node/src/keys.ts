/**
 * `KeyObject`s made once per key and cached. node:crypto takes keys only as
 * `KeyObject`s for DH and signatures; importing costs more than the operation
 * for some of them (OpenSSL 3's DER decoders: ~150-500 µs; the JWK path used
 * here: 5-40 µs for X25519/Ed25519, ~100 µs for NIST points, which it checks
 * to lie on the curve). A key used again (a member's leaf key, the signature
 * key of every message, a recipient's HPKE key) is imported once.
 */
import { type KeyObject, createPrivateKey, createPublicKey } from "node:crypto";
import { expectDefined } from "@mlskit/core";

/** Uint8Array → base64url without copying the bytes. */
function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/**
 * A Buffer node:crypto returned, as a plain `Uint8Array` (so results compare
 * equal to the other providers' and `.buffer` exposes nothing else): a view
 * when the Buffer owns its ArrayBuffer, a copy when it lives in Node's pool.
 */
export function u8(b: Buffer | Uint8Array): Uint8Array {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.byteLength) return new Uint8Array(b.buffer, 0, b.byteLength);
  return new Uint8Array(b);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= expectDefined(a[i], "a[i]") ^ expectDefined(b[i], "b[i]");
  return d === 0;
}

/** A bounded map, least recently used dropped first. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(
    private readonly capacity: number,
    private readonly evicted?: (value: V) => void,
  ) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as string;
      const v = expectDefined(this.map.get(oldest), "this.map.get(oldest)");
      this.map.delete(oldest);
      this.evicted?.(v);
    }
  }
  delete(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) this.map.delete(key);
    return v;
  }
  clear(): void {
    for (const v of this.map.values()) this.evicted?.(v);
    this.map.clear();
  }
  get size(): number {
    return this.map.size;
  }
}

interface PrivateEntry {
  /** A copy of the key bytes (wiped when the entry goes), to notice a caller that changed or wiped its array. */
  readonly bytes: Uint8Array;
  readonly key: KeyObject;
  /** The content-map key. */
  readonly id: string;
}

/**
 * Public `KeyObject`s by key bytes (content), and private ones by the
 * identity of the caller's array (checked against a copy of its bytes) and
 * then by content, each bounded. `forget` drops a private key's entries and
 * wipes the copy, for forward secrecy (`CryptoProvider.forgetPrivateKey`).
 * Entries are per kind (`tag`: a curve or scheme), since the same bytes are
 * a key of several algorithms.
 */
export class KeyCache {
  private readonly publicKeys: Lru<KeyObject>;
  private readonly privateByContent: Lru<PrivateEntry>;
  private privateByArray = new WeakMap<Uint8Array, PrivateEntry[]>();

  constructor(readonly capacity: number) {
    this.publicKeys = new Lru(capacity);
    this.privateByContent = new Lru(capacity, (e) => e.bytes.fill(0));
  }

  /** The public `KeyObject` of `bytes` (made by `make` once). `make` throws for a key node:crypto refuses; nothing is cached then. */
  publicKey(tag: string, bytes: Uint8Array, make: () => KeyObject): KeyObject {
    const id = tag + ":" + b64u(bytes);
    let key = this.publicKeys.get(id);
    if (key === undefined) {
      key = make();
      this.publicKeys.set(id, key);
    }
    return key;
  }

  /**
   * The cached public `KeyObject` of `bytes`, or one made by `make` and not
   * cached: for a batch of keys seen once (a joiner's tree), which would
   * only push the keys in use out of the cache.
   */
  publicKeyOnce(tag: string, bytes: Uint8Array, make: () => KeyObject): KeyObject {
    return this.publicKeys.get(tag + ":" + b64u(bytes)) ?? make();
  }

  /** Whether a public key of these bytes is cached (so it was imported, and checked, before). */
  hasPublicKey(tag: string, bytes: Uint8Array): boolean {
    return this.publicKeys.get(tag + ":" + b64u(bytes)) !== undefined;
  }

  /** The private `KeyObject` of `bytes` (made by `make` once). */
  privateKey(tag: string, bytes: Uint8Array, make: () => KeyObject): KeyObject {
    const byArray = this.privateByArray.get(bytes);
    if (byArray !== undefined) {
      for (const e of byArray) if (e.id.startsWith(tag + ":") && sameBytes(e.bytes, bytes)) return e.key;
    }
    const id = tag + ":" + b64u(bytes);
    let entry = this.privateByContent.get(id);
    if (entry === undefined || !sameBytes(entry.bytes, bytes)) {
      entry = { bytes: bytes.slice(), key: make(), id };
      this.privateByContent.set(id, entry);
    }
    const list = byArray?.filter((e) => !e.id.startsWith(tag + ":")) ?? [];
    list.push(entry);
    this.privateByArray.set(bytes, list);
    return entry.key;
  }

  /** Seeds the cache with a key made elsewhere (a generated key pair). */
  putPrivateKey(tag: string, bytes: Uint8Array, key: KeyObject): void {
    const id = tag + ":" + b64u(bytes);
    const entry = { bytes: bytes.slice(), key, id };
    this.privateByContent.set(id, entry);
    this.privateByArray.set(bytes, [entry]);
  }

  /** Drops every private entry of these bytes (any kind) and wipes their copies. */
  forget(bytes: Uint8Array, tags: readonly string[]): void {
    this.privateByArray.delete(bytes);
    const suffix = ":" + b64u(bytes);
    for (const tag of tags) this.privateByContent.delete(tag + suffix)?.bytes.fill(0);
  }

  /** Drops everything. */
  clear(): void {
    this.publicKeys.clear();
    this.privateByContent.clear();
    this.privateByArray = new WeakMap();
  }

  /** Entry counts, for tests. */
  get sizes(): { publicKeys: number; privateKeys: number } {
    return { publicKeys: this.publicKeys.size, privateKeys: this.privateByContent.size };
  }
}

/** Octet key pair curves (RFC 8037). */
export type OkpCurve = "X25519" | "X448" | "Ed25519" | "Ed448";

/** A private OKP key from its raw bytes (JWK import; Node computes the public key itself). */
export function okpPrivateKey(crv: OkpCurve, d: Uint8Array): KeyObject {
  return createPrivateKey({ key: { kty: "OKP", crv, d: b64u(d), x: "" }, format: "jwk" });
}

export function okpPublicKey(crv: OkpCurve, x: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv, x: b64u(x) }, format: "jwk" });
}

/** The raw public key of an OKP private key. */
export function okpPublicBytes(key: KeyObject): Uint8Array {
  const jwk = createPublicKey(key).export({ format: "jwk" });
  return u8(Buffer.from(expectDefined(jwk.x, "jwk.x"), "base64url"));
}

/** The NIST curves, by JWK name. */
export type NistCurve = "P-256" | "P-384" | "P-521";

/** A public EC key from an uncompressed SEC1 point; node:crypto (OpenSSL) refuses a point off the curve. */
export function ecPublicKey(crv: NistCurve, point: Uint8Array, scalarLength: number): KeyObject {
  if (point.length !== 1 + 2 * scalarLength || point[0] !== 0x04) throw new RangeError("not an uncompressed point");
  return createPublicKey({
    key: { kty: "EC", crv, x: b64u(point.subarray(1, 1 + scalarLength)), y: b64u(point.subarray(1 + scalarLength)) },
    format: "jwk",
  });
}

/** A private EC key from its scalar and its (already computed) uncompressed public point. */
export function ecPrivateKey(crv: NistCurve, d: Uint8Array, point: Uint8Array, scalarLength: number): KeyObject {
  return createPrivateKey({
    key: { kty: "EC", crv, d: b64u(d), x: b64u(point.subarray(1, 1 + scalarLength)), y: b64u(point.subarray(1 + scalarLength)) },
    format: "jwk",
  });
}
