/** A certificate parsed once into the views validation uses. */
import { bytesEqual } from "@mlskit/codec";
import { X509Certificate } from "./x509-runtime.js";
import { type CertificateDer, parseCertificateDer } from "./certificate-der.js";
import { X509CredentialError } from "./errors.js";
import { type BasicConstraints, type SubjectAltName, basicConstraints, keyUsage, subjectAltNames } from "./extensions.js";

/**
 * `@peculiar/x509`'s object (names, dates, ECDSA/RSA verification), the raw
 * DER fields, and the decoded extensions validation interprets.
 */
export interface ParsedCertificate {
  readonly certificate: X509Certificate;
  readonly fields: CertificateDer;
  readonly basicConstraints: BasicConstraints | undefined;
  /** Tests a KeyUsage bit; `undefined` when the extension is absent. */
  readonly keyUsage: ((bit: number) => boolean) | undefined;
  readonly subjectAltNames: readonly SubjectAltName[];
  /** Issuer and subject names are identical (RFC 5280 §6.1: "self-issued"). */
  readonly selfIssued: boolean;
}

/**
 * Parses a DER certificate.
 * @throws {@link X509CredentialError} `credential/x509-malformed` naming the position.
 */
export function parseCertificate(der: Uint8Array, chainIndex: number | "anchor"): ParsedCertificate {
  try {
    const bytes = der.slice(); // our own copy: later changes to the input cannot alter what was validated
    const fields = parseCertificateDer(bytes);
    const certificate = new X509Certificate(bytes);
    // Read eagerly so that a malformed extension is reported here, as such.
    void certificate.notBefore;
    void certificate.notAfter;
    return {
      certificate,
      fields,
      basicConstraints: basicConstraints(fields.extensions),
      keyUsage: keyUsage(fields.extensions),
      subjectAltNames: subjectAltNames(fields.extensions),
      selfIssued: bytesEqual(fields.issuer, fields.subject),
    };
  } catch (cause) {
    throw new X509CredentialError(
      "credential/x509-malformed",
      "5.3",
      `not a valid DER X.509 certificate (${cause instanceof Error ? cause.message : String(cause)})`,
      { chainIndex },
      { cause },
    );
  }
}

/** The subject DN as text, for messages; never throws. */
export function subjectText(c: ParsedCertificate): string {
  try {
    return c.certificate.subject;
  } catch {
    return "<unreadable subject>";
  }
}
