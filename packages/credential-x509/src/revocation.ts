/**
 * Revocation (RFC 9420 §5.3.2) is the application's to determine: it knows
 * whether to fetch CRLs, ask an OCSP responder, or consult a pushed list. The
 * provider asks its {@link RevocationCheck} about every certificate of the
 * path except the trust anchor.
 */
import type { X509Certificate } from "@peculiar/x509";
import { X509CredentialError } from "./errors.js";
import { type ParsedCertificate, subjectText } from "./parsed-certificate.js";
import { expectDefined } from "@mlskit/core";

/** The status a revocation source reports. */
export type RevocationStatus = "good" | "revoked" | "unknown";

/** What a {@link RevocationCheck} is told besides the certificate. */
export interface RevocationQuery {
  /** The certificate that issued it (the next in the path, or the trust anchor). */
  readonly issuer: X509Certificate;
  /** Its DER encoding. */
  readonly der: Uint8Array;
  /** The validation time. */
  readonly time: Date;
}

/**
 * Reports a certificate's revocation status, for example from a CRL
 * (`X509Crl.findRevoked`) or an OCSP response the application obtained.
 * `chainIndex` 0 is the leaf.
 */
export type RevocationCheck = (certificate: X509Certificate, chainIndex: number, query: RevocationQuery) => RevocationStatus | Promise<RevocationStatus>;

/**
 * Asks `check` about each of `certificates` (all concurrently) and rejects
 * the first revoked one, in path order; `"unknown"` is rejected only when
 * `failOnUnknown` (fail closed), else tolerated (fail open).
 */
export async function checkRevocation(
  certificates: readonly ParsedCertificate[],
  issuers: readonly ParsedCertificate[],
  check: RevocationCheck,
  failOnUnknown: boolean,
  time: Date,
): Promise<void> {
  const statuses = await Promise.all(
    certificates.map(async (c, i) => check(c.certificate, i, { issuer: expectDefined(issuers[i], "issuers[i]").certificate, der: c.fields.der.slice(), time })),
  );
  statuses.forEach((status, i) => {
    const c = expectDefined(certificates[i], "certificates[i]");
    if (status === "revoked") {
      throw new X509CredentialError("credential/x509-revoked", "5.3.2", "revoked", { chainIndex: i, subject: subjectText(c) });
    }
    if (status === "unknown" && failOnUnknown) {
      throw new X509CredentialError("credential/x509-revocation-unknown", "5.3.2", "revocation status unknown and the policy fails closed", {
        chainIndex: i,
        subject: subjectText(c),
      });
    }
  });
}
