/**
 * What a client keeps of each KeyPackage it published (RFC 9420 §10): the
 * KeyPackage and the private keys a Welcome made for it needs
 * (§12.4.3.1), as a stored blob: the header of `blob-header.ts` (magic
 * "MLSK", the KeyPackage's cipher suite) and
 *
 * ```tls
 * struct {
 *     opaque key_package<V>;              // the KeyPackage struct, no MLSMessage framing
 *     opaque init_private_key<V>;         // of init_key
 *     opaque encryption_private_key<V>;   // of leaf_node.encryption_key
 *     uint8 last_resort;                  // 0 or 1
 * } KeyPackageMaterialBody;
 * ```
 */
import { Writer, decode, opaque } from "@mlskit/codec";
import { UsageError, expectDefined } from "@mlskit/core";
import { keyPackageCodec } from "../key-packages/key-package.js";
import { corrupt, decodingBodySync, readHeader, writeHeader } from "./blob-header.js";
import { readNonEmpty } from "./state-parts.js";

/** The private material behind one of our KeyPackages. */
export interface KeyPackageMaterial {
  /** The KeyPackage's TLS encoding (the `KeyPackage` struct, no MLSMessage framing). */
  readonly keyPackage: Uint8Array;
  /** HPKE private key of `init_key`. */
  readonly initPrivateKey: Uint8Array;
  /** HPKE private key of `leaf_node.encryption_key`. */
  readonly encryptionPrivateKey: Uint8Array;
  /** A last-resort KeyPackage (§10, §16.8) may be used more than once. Decoding always sets it. */
  readonly lastResort?: boolean;
}

/** `cipher_suite` of an encoded KeyPackage: after its uint16 `version` (§10). */
function suiteOf(keyPackage: Uint8Array): number | undefined {
  return keyPackage.length < 4 ? undefined : (expectDefined(keyPackage[2], "keyPackage[2]") << 8) | expectDefined(keyPackage[3], "keyPackage[3]");
}

/**
 * Encodes KeyPackage material for storage (the caller wipes the result when done with it).
 * @throws UsageError `usage/invalid-key-package` when `keyPackage` is too short to be one.
 */
export function encodeKeyPackageMaterial(material: KeyPackageMaterial): Uint8Array {
  const suite = suiteOf(material.keyPackage);
  if (suite === undefined) throw new UsageError("usage/invalid-key-package", "the KeyPackage encoding is too short to be one");
  const { keyPackage, initPrivateKey, encryptionPrivateKey } = material;
  const w = new Writer(keyPackage.length + initPrivateKey.length + encryptionPrivateKey.length + 32);
  writeHeader(w, "key-package-material", suite);
  w.opaque(keyPackage);
  w.opaque(initPrivateKey);
  w.opaque(encryptionPrivateKey);
  w.uint8(material.lastResort === true ? 1 : 0);
  return w.finish();
}

/**
 * Decodes KeyPackage material written by {@link encodeKeyPackageMaterial}.
 * The KeyPackage is decoded structurally to check it is one, of the
 * header's suite; it is returned as the bytes stored.
 * @throws StorageError `storage/corrupt` for a damaged, truncated or
 *   foreign blob, `storage/unsupported-version` for a newer format.
 */
export function decodeKeyPackageMaterial(bytes: Uint8Array): KeyPackageMaterial {
  const { header, body: r } = readHeader(bytes, "key-package-material");
  return decodingBodySync("key-package-material", () => {
    const material = r.field("KeyPackageMaterial", () => {
      const keyPackage = r.field("key_package", () => opaque.decode(r));
      const parsed = decode(keyPackageCodec, keyPackage, "KeyPackage");
      if (parsed.cipherSuite !== header.cipherSuite) throw corrupt("key-package-material", `a KeyPackage of suite ${parsed.cipherSuite} in a blob of suite ${header.cipherSuite}`);
      const initPrivateKey = readNonEmpty(r, "init_private_key");
      const encryptionPrivateKey = readNonEmpty(r, "encryption_private_key");
      const at = r.offset;
      const flag = r.field("last_resort", () => r.uint8());
      if (flag > 1) r.field("last_resort", () => r.fail("codec/invalid-value", `last_resort ${flag} is neither 0 nor 1`, at));
      return { keyPackage, initPrivateKey, encryptionPrivateKey, lastResort: flag === 1 };
    });
    r.assertEnd();
    return material;
  });
}
