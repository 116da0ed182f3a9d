/**
 * The end-entity certificate of a registered client (RFC 9420 §5.3): its
 * MLS signature key, its client id as subject common name — the identity
 * `X509IdentityProvider` reads under its default rule `"uri-or-common-name"`
 * (there is no URI SAN, so the CN is it) — and `digitalSignature` key usage.
 */
import type { CertificateAuthority } from "./ca.js";
import { CA_SIGNING_ALGORITHM } from "./ca.js";
import { randomSerialNumber } from "./serial-number.js";
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  type X509Certificate,
  X509CertificateGenerator,
} from "./x509-runtime.js";

const DAY_MS = 86_400_000;
/** Backdating of notBefore, for clients whose clocks run a little slow. */
const BACKDATE_MS = 5 * 60_000;

/** What a leaf certificate is issued for. */
export interface LeafRequest {
  readonly clientId: string;
  /** The client's key as SubjectPublicKeyInfo, DER. */
  readonly subjectPublicKeyInfo: Uint8Array;
  readonly lifetimeDays: number;
  readonly now?: Date;
}

/** Issues a leaf certificate; its notAfter never passes the intermediate's. */
export async function issueLeafCertificate(ca: CertificateAuthority, request: LeafRequest): Promise<X509Certificate> {
  const now = request.now ?? new Date();
  const wanted = new Date(now.getTime() + request.lifetimeDays * DAY_MS);
  const notAfter = wanted < ca.intermediate.notAfter ? wanted : ca.intermediate.notAfter;
  const spki = new Uint8Array(request.subjectPublicKeyInfo);
  return X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: [{ CN: [request.clientId] }],
      issuer: ca.intermediate.subjectName,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter,
      signingAlgorithm: CA_SIGNING_ALGORITHM,
      publicKey: spki,
      signingKey: ca.issuingKey,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        await SubjectKeyIdentifierExtension.create(spki, false, crypto),
        await AuthorityKeyIdentifierExtension.create(ca.intermediate, false, crypto),
      ],
    },
    crypto,
  );
}
