/**
 * The MLS signature schemes on `crypto.subtle`: Ed25519 and Ed448 (RFC 8032)
 * and ECDSA on P-256/SHA-256, P-384/SHA-384, P-521/SHA-512. Keys use the
 * canonical encodings of `@mlskit/core` (raw seeds and scalars, raw or
 * uncompressed public keys); ECDSA signatures are DER (RFC 9420 §5.1.2) and
 * converted to and from WebCrypto's `r || s` here.
 */
import { CryptoError, type KeyPair } from "@mlskit/core";
import type { SignaturePrimitive } from "@mlskit/hpke";
import { NIST_CURVES, OKP_CURVES } from "./curves.js";
import { ecdsaDerToRaw, ecdsaRawToDer } from "./der.js";
import type { HandleKeyAlgorithm, HandleKeys } from "./handle-keys.js";
import { isKeyHandle } from "./key-handle.js";
import { PrivateKeys, PublicKeys } from "./keys.js";
import type { NistCurve } from "./pkcs8.js";
import { bigIntToBytes, bs, isScalarInRange, type WebCryptoContext } from "./util.js";

/** The signature algorithms this package can run on `crypto.subtle`. */
export type SignatureName = "Ed25519" | "Ed448" | `ECDSA-${NistCurve}`;

const EDDSA_SCHEME = { Ed25519: 0x0807, Ed448: 0x0808 } as const;
const EDDSA_SIGNATURE_LENGTH = { Ed25519: 64, Ed448: 114 } as const;

/** The signature algorithm `name` on `ctx.subtle`. */
export function webCryptoSignature(ctx: WebCryptoContext, name: SignatureName): SignaturePrimitive {
  return name === "Ed25519" || name === "Ed448" ? eddsa(ctx, name) : ecdsa(ctx, name.slice(6) as NistCurve);
}

/**
 * `sk` resolved when it is a key handle (in the `nonExtractableKeys` mode
 * only): the stored non-extractable `CryptoKey` and the public key the
 * handle carries; `undefined` for key bytes.
 */
function handleKeysFor(ctx: WebCryptoContext, algorithm: HandleKeyAlgorithm, publicKeyLength: number) {
  const handles: HandleKeys | undefined = ctx.handles;
  if (handles === undefined) return () => undefined;
  return (sk: Uint8Array) =>
    isKeyHandle(sk)
      ? {
          privateKey: () => handles.privateKey(sk, algorithm, "sign", publicKeyLength),
          publicKey: () => handles.publicKey(sk, algorithm, "sign", publicKeyLength),
        }
      : undefined;
}

function eddsa(ctx: WebCryptoContext, name: "Ed25519" | "Ed448"): SignaturePrimitive {
  const { privateKeyLength, publicKeyLength } = OKP_CURVES[name];
  const signatureLength = EDDSA_SIGNATURE_LENGTH[name];
  const algorithm = { name };
  const privateKeys = new PrivateKeys(ctx, name, algorithm, ["sign"]);
  const publicKeys = new PublicKeys(ctx, name, algorithm, ["verify"]);
  const handle = handleKeysFor(ctx, algorithm, publicKeyLength);
  const checkPrivateKey = (sk: Uint8Array): void => {
    if (sk.length !== privateKeyLength) {
      throw new CryptoError("crypto/invalid-key", `${name} private key must be ${privateKeyLength} bytes, got ${sk.length}`);
    }
  };
  return {
    scheme: EDDSA_SCHEME[name],
    async generateKeyPair(): Promise<KeyPair> {
      const pair = (await ctx.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
      const out = await privateKeys.exportKeyPair(pair.privateKey, privateKeyLength);
      privateKeys.adopt(out.privateKey, pair.privateKey, out.publicKey);
      return out;
    },
    async publicKey(sk) {
      const h = handle(sk);
      if (h !== undefined) return h.publicKey();
      checkPrivateKey(sk);
      return privateKeys.publicKey(sk);
    },
    async sign(sk, message) {
      const h = handle(sk);
      if (h === undefined) checkPrivateKey(sk);
      const key = await (h !== undefined ? h.privateKey() : privateKeys.import(sk));
      return new Uint8Array(await ctx.subtle.sign(algorithm, key, bs(message)));
    },
    /**
     * Nothing beyond `@mlskit/hpke`'s checks (length, canonical y, small order):
     * whether an EdDSA encoding decodes to a point takes a square root in the
     * field, which `crypto.subtle` does not expose (its import accepts any 32 or
     * 57 bytes; its verification fails for such a key). The WebCrypto source
     * asks its fallback, when it has one (`source.ts`).
     */
    publicKeyProblem(pk) {
      return pk.length === publicKeyLength ? undefined : `${name} public key must be ${publicKeyLength} bytes, got ${pk.length}`;
    },
    async verify(pk, message, signature) {
      if (pk.length !== publicKeyLength || signature.length !== signatureLength) return false;
      try {
        const key = await publicKeys.import(pk);
        return await ctx.subtle.verify(algorithm, key, bs(signature), bs(message));
      } catch {
        return false;
      }
    },
  };
}

/**
 * ECDSA on a NIST curve. Private keys are the big-endian scalar at the
 * curve's size; a shorter one (a minimal integer encoding whose leading zero
 * bytes were dropped, as in some RFC 9420 test vectors) is left-padded with
 * zeros. Longer keys and scalars outside [1, n) are `crypto/invalid-key`.
 */
function ecdsa(ctx: WebCryptoContext, curve: NistCurve): SignaturePrimitive {
  const c = NIST_CURVES[curve];
  const keyAlgorithm: EcKeyImportParams = { name: "ECDSA", namedCurve: curve };
  const signAlgorithm: EcdsaParams = { name: "ECDSA", hash: c.hash };
  const privateKeys = new PrivateKeys(ctx, curve, keyAlgorithm, ["sign"]);
  const publicKeys = new PublicKeys(ctx, curve, keyAlgorithm, ["verify"]);
  const handle = handleKeysFor(ctx, keyAlgorithm, c.pointLength);
  const order = bigIntToBytes(c.order, c.scalarLength);
  /** The scalar at full size (`sk` itself, or a padded copy the caller wipes), or a thrown `crypto/invalid-key`. */
  const scalar = (sk: Uint8Array): Uint8Array => {
    if (sk.length > c.scalarLength) {
      throw new CryptoError("crypto/invalid-key", `ECDSA ${curve} private key must be at most ${c.scalarLength} bytes, got ${sk.length}`);
    }
    let d = sk;
    if (sk.length < c.scalarLength) {
      d = new Uint8Array(c.scalarLength);
      d.set(sk, c.scalarLength - sk.length);
    }
    if (!isScalarInRange(d, order)) {
      if (d !== sk) d.fill(0);
      throw new CryptoError("crypto/invalid-key", `ECDSA ${curve} private key is not a scalar in [1, n)`);
    }
    return d;
  };
  /** Runs `f` on the full-size scalar of `sk`, wiping a padded copy afterwards. */
  const withScalar = async <T>(sk: Uint8Array, f: (d: Uint8Array) => Promise<T>): Promise<T> => {
    const d = scalar(sk);
    if (d === sk) return f(d);
    try {
      return await f(d);
    } finally {
      d.fill(0);
    }
  };
  return {
    scheme: c.signatureScheme,
    async generateKeyPair(): Promise<KeyPair> {
      const pair = (await ctx.subtle.generateKey(keyAlgorithm, true, ["sign", "verify"])) as CryptoKeyPair;
      const out = await privateKeys.exportKeyPair(pair.privateKey, c.scalarLength);
      privateKeys.adopt(out.privateKey, pair.privateKey, out.publicKey);
      return out;
    },
    publicKey(sk) {
      const h = handle(sk);
      if (h !== undefined) return h.publicKey();
      return withScalar(sk, (d) => privateKeys.publicKey(d));
    },
    async sign(sk, message) {
      const signWith = async (key: CryptoKey): Promise<Uint8Array> => ecdsaRawToDer(new Uint8Array(await ctx.subtle.sign(signAlgorithm, key, bs(message))));
      const h = handle(sk);
      if (h !== undefined) return signWith(await h.privateKey());
      return withScalar(sk, async (d) => signWith(await privateKeys.import(d)));
    },
    /** RFC 9420 §5.1.1 uncompressed point; on the curve exactly when `crypto.subtle` imports it (then cached for verification). */
    async publicKeyProblem(pk) {
      if (pk.length !== c.pointLength || pk[0] !== 0x04) return `ECDSA ${curve} public key is not an uncompressed point (RFC 9420 §5.1.1)`;
      try {
        await publicKeys.import(pk);
        return undefined;
      } catch {
        return `not a point of ${curve} (crypto.subtle refused to import it)`;
      }
    },
    async verify(pk, message, signature) {
      if (pk.length !== c.pointLength || pk[0] !== 0x04) return false;
      const raw = ecdsaDerToRaw(signature, c.scalarLength);
      if (raw === undefined) return false;
      try {
        const key = await publicKeys.import(pk);
        return await ctx.subtle.verify(signAlgorithm, key, bs(raw), bs(message));
      } catch {
        return false;
      }
    },
  };
}
