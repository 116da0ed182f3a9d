/**
 * The service's certificate authority: a self-signed root and an issuing
 * intermediate, ECDSA P-256 with SHA-256 (every WebCrypto verifies it, so
 * every `X509IdentityProvider` does). Created at first start and kept in the
 * store (private keys as PKCS#8); later starts load them.
 */
import type { AsStore, StoredCa } from "./store.js";
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from "./x509-runtime.js";
import { randomSerialNumber } from "./serial-number.js";

/** The CA's key algorithm and signature algorithm. */
const CA_KEY_ALGORITHM: EcKeyImportParams = { name: "ECDSA", namedCurve: "P-256" };
export const CA_SIGNING_ALGORITHM: EcdsaParams = { name: "ECDSA", hash: "SHA-256" };

const DAY_MS = 86_400_000;
const ROOT_LIFETIME_DAYS = 20 * 365;
const INTERMEDIATE_LIFETIME_DAYS = 10 * 365;

/** The loaded CA: what issuing a leaf needs. */
export interface CertificateAuthority {
  readonly root: X509Certificate;
  readonly intermediate: X509Certificate;
  /** The intermediate's private key, non-extractable. */
  readonly issuingKey: CryptoKey;
}

function der(cert: X509Certificate): Uint8Array {
  return new Uint8Array(cert.rawData);
}

async function generateCaKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(CA_KEY_ALGORITHM, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

async function pkcs8(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey("pkcs8", key));
}

/** Creates a new root and intermediate named after `name`. */
async function createCaMaterial(name: string, now: Date = new Date()): Promise<StoredCa> {
  const rootKeys = await generateCaKeys();
  const intermediateKeys = await generateCaKeys();
  const notBefore = new Date(now.getTime() - DAY_MS);
  const rootName = [{ CN: [`${name} Root CA`] }];
  const root = await X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: rootName,
      issuer: rootName,
      notBefore,
      notAfter: new Date(now.getTime() + ROOT_LIFETIME_DAYS * DAY_MS),
      signingAlgorithm: CA_SIGNING_ALGORITHM,
      publicKey: rootKeys.publicKey,
      signingKey: rootKeys.privateKey,
      extensions: [
        new BasicConstraintsExtension(true, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await SubjectKeyIdentifierExtension.create(rootKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const intermediate = await X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: [{ CN: [`${name} Issuing CA`] }],
      issuer: root.subjectName,
      notBefore,
      notAfter: new Date(now.getTime() + INTERMEDIATE_LIFETIME_DAYS * DAY_MS),
      signingAlgorithm: CA_SIGNING_ALGORITHM,
      publicKey: intermediateKeys.publicKey,
      signingKey: rootKeys.privateKey,
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await SubjectKeyIdentifierExtension.create(intermediateKeys.publicKey, false, crypto),
        await AuthorityKeyIdentifierExtension.create(root, false, crypto),
      ],
    },
    crypto,
  );
  return {
    rootCertificate: der(root),
    rootPrivateKey: await pkcs8(rootKeys.privateKey),
    intermediateCertificate: der(intermediate),
    intermediatePrivateKey: await pkcs8(intermediateKeys.privateKey),
  };
}

/** Loads the CA kept in `store`, creating and keeping one first if there is none. */
export async function loadOrCreateCa(store: AsStore, name: string): Promise<CertificateAuthority> {
  const stored = store.loadCa() ?? store.saveCa(await createCaMaterial(name));
  const issuingKey = await crypto.subtle.importKey("pkcs8", new Uint8Array(stored.intermediatePrivateKey), CA_KEY_ALGORITHM, false, ["sign"]);
  return {
    root: new X509Certificate(new Uint8Array(stored.rootCertificate)),
    intermediate: new X509Certificate(new Uint8Array(stored.intermediateCertificate)),
    issuingKey,
  };
}
