/**
 * The {@link CipherSuiteProvider} of the `nonExtractableKeys` mode: the
 * suite's provider, whose `hpkeGenerateKeyPair` and
 * `signatureGenerateKeyPair` return key handles of non-extractable
 * `CryptoKey`s. Everything else is the suite's own: its DH and signature
 * primitives resolve handles (`dh.ts`, `signature.ts`), and HPKE Decap lets
 * them through (`DhGroup.isPrivateKeyHandle`). `hpkeDeriveKeyPair` still
 * returns key bytes: a key derived from a secret is no better protected than
 * the secret, which mlskit holds as bytes.
 */
import { CryptoError, type CipherSuiteProvider } from "@mlskit/core";
import type { HandleKeyAlgorithm, HandleKeys } from "./handle-keys.js";

/** RFC 9180 KEM id → the `generateKey` algorithm of its DH group. */
const HPKE_KEY_ALGORITHM: Readonly<Record<number, HandleKeyAlgorithm>> = {
  0x0010: { name: "ECDH", namedCurve: "P-256" },
  0x0011: { name: "ECDH", namedCurve: "P-384" },
  0x0012: { name: "ECDH", namedCurve: "P-521" },
  0x0020: { name: "X25519" },
  0x0021: { name: "X448" },
};

/** TLS SignatureScheme → the `generateKey` algorithm of its key. */
const SIGNATURE_KEY_ALGORITHM: Readonly<Record<number, HandleKeyAlgorithm>> = {
  0x0403: { name: "ECDSA", namedCurve: "P-256" },
  0x0503: { name: "ECDSA", namedCurve: "P-384" },
  0x0603: { name: "ECDSA", namedCurve: "P-521" },
  0x0807: { name: "Ed25519" },
  0x0808: { name: "Ed448" },
};

/** `inner` with key generation by handle (see the module comment). @internal */
export function handleCipherSuiteProvider(inner: CipherSuiteProvider, handles: HandleKeys): CipherSuiteProvider {
  const { kem, signature } = inner.suite;
  const hpkeAlgorithm = HPKE_KEY_ALGORITHM[kem];
  const signatureAlgorithm = SIGNATURE_KEY_ALGORITHM[signature];
  if (hpkeAlgorithm === undefined || signatureAlgorithm === undefined) {
    throw new CryptoError("crypto/unsupported", `${inner.suite.name}: no non-extractable key generation for its KEM or signature`);
  }
  const cs: CipherSuiteProvider = {
    suite: inner.suite,
    hashLength: inner.hashLength,
    aeadKeyLength: inner.aeadKeyLength,
    aeadNonceLength: inner.aeadNonceLength,
    hash: (data) => inner.hash(data),
    mac: (key, data) => inner.mac(key, data),
    kdfExtract: (salt, ikm) => inner.kdfExtract(salt, ikm),
    kdfExpand: (prk, info, length) => inner.kdfExpand(prk, info, length),
    aeadSeal: (key, nonce, aad, plaintext) => inner.aeadSeal(key, nonce, aad, plaintext),
    aeadOpen: (key, nonce, aad, ciphertext) => inner.aeadOpen(key, nonce, aad, ciphertext),
    hpkeSeal: (publicKey, info, aad, plaintext) => inner.hpkeSeal(publicKey, info, aad, plaintext),
    hpkeEncap: (publicKey) => inner.hpkeEncap(publicKey),
    hpkeOpen: (ciphertext, privateKey, info, aad, publicKey) => inner.hpkeOpen(ciphertext, privateKey, info, aad, publicKey),
    hpkeExportSender: (publicKey, info, exporterContext, length) => inner.hpkeExportSender(publicKey, info, exporterContext, length),
    hpkeExportReceiver: (kemOutput, privateKey, info, exporterContext, length, publicKey) =>
      inner.hpkeExportReceiver(kemOutput, privateKey, info, exporterContext, length, publicKey),
    hpkeGenerateKeyPair: () => handles.generate(hpkeAlgorithm, ["deriveBits"]),
    hpkeDeriveKeyPair: (ikm) => inner.hpkeDeriveKeyPair(ikm),
    signatureGenerateKeyPair: () => handles.generate(signatureAlgorithm, ["sign", "verify"]),
    signaturePublicKey: (privateKey) => inner.signaturePublicKey(privateKey),
    sign: (privateKey, message) => inner.sign(privateKey, message),
    verify: (publicKey, message, sig) => inner.verify(publicKey, message, sig),
    hpkePublicKeyProblem: (publicKey) => inner.hpkePublicKeyProblem(publicKey),
    signaturePublicKeyProblem: (publicKey) => inner.signaturePublicKeyProblem(publicKey),
    randomBytes: (length) => inner.randomBytes(length),
  };
  const { hashSync, kdfExpandSync } = inner;
  return Object.freeze({
    ...cs,
    ...(hashSync === undefined ? {} : { hashSync: (data: Uint8Array) => hashSync.call(inner, data) }),
    ...(kdfExpandSync === undefined ? {} : { kdfExpandSync: (prk: Uint8Array, info: Uint8Array, length: number) => kdfExpandSync.call(inner, prk, info, length) }),
    toJSON: () => ({ suite: inner.suite.name, keys: "non-extractable" }),
  });
}
