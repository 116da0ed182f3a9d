/**
 * Test PKI: real certificate chains generated at run time with
 * `@peculiar/x509` on the runtime's WebCrypto. Test-only (excluded from the build).
 */
import "reflect-metadata/lite";
import {
  BasicConstraintsExtension,
  type Extension,
  type JsonGeneralNames,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  type X509Certificate,
  X509CertificateGenerator,
} from "@peculiar/x509";
import { CipherSuite } from "@mlskit/core";

/** Key types MLS signs with. */
export type KeyAlg = "Ed25519" | "Ed448" | "P-256" | "P-384" | "P-521";
/** Key types a CA may have: also RSA, which MLS does not sign with. */
export type IssuerAlg = KeyAlg | "RSA";

const GEN: Record<IssuerAlg, EcKeyGenParams | RsaHashedKeyGenParams | Algorithm> = {
  RSA: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" } as RsaHashedKeyGenParams,
  Ed25519: { name: "Ed25519" },
  Ed448: { name: "Ed448" },
  "P-256": { name: "ECDSA", namedCurve: "P-256" },
  "P-384": { name: "ECDSA", namedCurve: "P-384" },
  "P-521": { name: "ECDSA", namedCurve: "P-521" },
};

/** What `@peculiar/x509` is given as the signing algorithm for an issuer key. */
const SIGN: Record<IssuerAlg, Algorithm | EcdsaParams | (Algorithm & { namedCurve: string })> = {
  RSA: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as Algorithm,
  Ed25519: { name: "Ed25519" },
  // See `ed448SigningKey`.
  Ed448: { name: "EdDSA", namedCurve: "Ed448" },
  "P-256": { name: "ECDSA", hash: "SHA-256" },
  "P-384": { name: "ECDSA", hash: "SHA-384" },
  "P-521": { name: "ECDSA", hash: "SHA-512" },
};

/** The MLS cipher suite whose signature scheme uses each key type. */
export const SUITE: Record<KeyAlg, number> = {
  Ed25519: CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
  Ed448: CipherSuite.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448,
  "P-256": CipherSuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
  "P-384": CipherSuite.MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
  "P-521": CipherSuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
};

/**
 * `@peculiar/x509` only knows Ed448 under the `@peculiar/webcrypto` name
 * `{ name: "EdDSA", namedCurve: "Ed448" }`, and takes the signing algorithm
 * from the key. For Ed448 issuers the fixture hands it a stand-in key with
 * that algorithm, and this WebCrypto wrapper signs with the real key under
 * the standard name "Ed448".
 */
const realKeys = new WeakMap<object, CryptoKey>();
function ed448SigningKey(key: CryptoKey): CryptoKey {
  const standIn = { algorithm: { name: "EdDSA", namedCurve: "Ed448" }, type: "private", extractable: false, usages: ["sign"] };
  realKeys.set(standIn, key);
  return standIn as unknown as CryptoKey;
}
const generatorCrypto: Crypto = {
  getRandomValues: (a) => crypto.getRandomValues(a),
  randomUUID: () => crypto.randomUUID(),
  subtle: new Proxy(crypto.subtle, {
    get(target, prop) {
      if (prop === "sign") {
        return (alg: Algorithm, key: CryptoKey, data: BufferSource) => {
          const real = realKeys.get(key);
          return real ? target.sign({ name: "Ed448" }, real, data) : target.sign(alg, key, data);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }),
};

/** A certificate and its key pair. */
export interface Issued {
  readonly alg: IssuerAlg;
  readonly cert: X509Certificate;
  readonly der: Uint8Array;
  readonly keys: CryptoKeyPair;
}

export function generateKeys(alg: IssuerAlg): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(GEN[alg], true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

/** The MLS canonical public key: raw Ed25519/Ed448 key, uncompressed EC point (WebCrypto "raw" export). */
export async function mlsPublicKey(keys: CryptoKeyPair): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
}

const DAY = 86_400_000;
let serial = 1;

export interface IssueOptions {
  readonly alg: IssuerAlg;
  readonly subject: string;
  /** The issuing certificate; self-signed when absent. */
  readonly issuer?: Issued;
  readonly ca?: boolean;
  readonly pathLength?: number;
  /** KeyUsage flags, or `null` for no keyUsage extension. Default: CA → keyCertSign|cRLSign, leaf → digitalSignature. */
  readonly keyUsage?: KeyUsageFlags | null;
  readonly sans?: JsonGeneralNames;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly keys?: CryptoKeyPair;
  readonly extraExtensions?: readonly Extension[];
}

export async function issue(o: IssueOptions): Promise<Issued> {
  const keys = o.keys ?? (await generateKeys(o.alg));
  const ca = o.ca ?? false;
  const extensions: Extension[] = [];
  if (ca) extensions.push(new BasicConstraintsExtension(true, o.pathLength, true));
  const usage = o.keyUsage === undefined ? (ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature) : o.keyUsage;
  if (usage !== null) extensions.push(new KeyUsagesExtension(usage, true));
  if (o.sans) extensions.push(new SubjectAlternativeNameExtension(o.sans, false));
  extensions.push(...(o.extraExtensions ?? []));
  const signer = o.issuer ?? { alg: o.alg, cert: undefined, keys };
  const cert = await X509CertificateGenerator.create(
    {
      serialNumber: (serial++).toString(16).padStart(4, "0"),
      subject: o.subject,
      issuer: o.issuer ? o.issuer.cert.subjectName : o.subject,
      notBefore: o.notBefore ?? new Date(Date.now() - DAY),
      notAfter: o.notAfter ?? new Date(Date.now() + 365 * DAY),
      signingAlgorithm: SIGN[signer.alg],
      publicKey: keys.publicKey,
      signingKey: signer.alg === "Ed448" ? ed448SigningKey(signer.keys.privateKey) : signer.keys.privateKey,
      extensions,
    },
    generatorCrypto,
  );
  return { alg: o.alg, cert, der: new Uint8Array(cert.rawData), keys };
}

/** A root → intermediate → leaf chain, every key of type `alg` (leaf P-256 under RSA) unless overridden. */
export interface Chain {
  readonly root: Issued;
  readonly intermediate: Issued;
  readonly leaf: Issued;
  /** Leaf first, root omitted (the usual presentation). */
  readonly certificates: Uint8Array[];
  /** The leaf's key as an MLS signature key. */
  readonly signatureKey: Uint8Array;
}

export interface ChainOptions {
  readonly root?: Issued;
  readonly leafAlg?: KeyAlg;
  readonly leaf?: Partial<IssueOptions>;
  readonly intermediate?: Partial<IssueOptions>;
}

export async function makeChain(alg: IssuerAlg, o: ChainOptions = {}): Promise<Chain> {
  const root = o.root ?? (await issue({ alg, subject: "CN=Test Root CA, O=mlskit", ca: true }));
  const intermediate = await issue({ alg, subject: "CN=Test Intermediate CA, O=mlskit", ca: true, pathLength: 0, issuer: root, ...o.intermediate });
  const leafAlg = o.leafAlg ?? (alg === "RSA" ? "P-256" : alg);
  const leaf = await issue({
    alg: leafAlg,
    subject: "CN=Alice, O=mlskit",
    issuer: intermediate,
    sans: [
      { type: "email", value: "alice@example.com" },
      { type: "url", value: "mls://example.com/alice" },
    ],
    ...o.leaf,
  });
  return { root, intermediate, leaf, certificates: [leaf.der, intermediate.der], signatureKey: await mlsPublicKey(leaf.keys) };
}
