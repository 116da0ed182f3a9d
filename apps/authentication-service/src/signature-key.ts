/**
 * The client's MLS signature key: which cipher suite can verify with its
 * scheme, whether the key is valid, and its SubjectPublicKeyInfo for the
 * certificate (RFC 9420 §5.3: the leaf's key is the MLS signature key,
 * which MLS encodes exactly as SPKI carries it — raw Ed25519/Ed448 key,
 * uncompressed EC point).
 */
import { CIPHER_SUITES, type CipherSuiteProvider, SignatureScheme } from "@mlskit/core";
import { DsError } from "@mlskit/ds-protocol";
import { defaultCryptoProvider } from "@mlskit/mls";

const S = SignatureScheme;
/** How WebCrypto imports a key of each scheme. */
const IMPORT: ReadonlyMap<number, EcKeyImportParams | Algorithm> = new Map<number, EcKeyImportParams | Algorithm>([
  [S.ed25519, { name: "Ed25519" }],
  [S.ed448, { name: "Ed448" }],
  [S.ecdsa_secp256r1_sha256, { name: "ECDSA", namedCurve: "P-256" }],
  [S.ecdsa_secp384r1_sha384, { name: "ECDSA", namedCurve: "P-384" }],
  [S.ecdsa_secp521r1_sha512, { name: "ECDSA", namedCurve: "P-521" }],
]);

/**
 * A suite provider of the default crypto provider for a suite signing with
 * `scheme` (`client/bad-credential` for a scheme no registered suite uses).
 */
export async function providerForScheme(scheme: number): Promise<CipherSuiteProvider> {
  const suite = [...CIPHER_SUITES.values()].find((s) => s.signature === scheme);
  if (suite === undefined || !IMPORT.has(scheme)) {
    throw new DsError("client/bad-credential", `signature scheme ${scheme} is not supported`);
  }
  try {
    return await defaultCryptoProvider().cipherSuite(suite.id);
  } catch (cause) {
    throw new DsError("client/bad-credential", `signature scheme ${scheme} is not supported here`, { cause });
  }
}

/**
 * Checks the public key (`client/bad-credential` when the suite refuses it,
 * e.g. a point not on the curve or a small-order EdDSA key) and returns its
 * SubjectPublicKeyInfo, DER.
 */
export async function subjectPublicKeyInfo(cs: CipherSuiteProvider, scheme: number, publicKey: Uint8Array): Promise<Uint8Array> {
  const problem = await cs.signaturePublicKeyProblem(publicKey);
  if (problem !== undefined) throw new DsError("client/bad-credential", `signaturePublicKey is not a valid key: ${problem}`);
  try {
    const key = await crypto.subtle.importKey("raw", new Uint8Array(publicKey), IMPORT.get(scheme)!, true, ["verify"]);
    return new Uint8Array(await crypto.subtle.exportKey("spki", key));
  } catch (cause) {
    throw new DsError("client/bad-credential", "signaturePublicKey is not a valid key", { cause });
  }
}
