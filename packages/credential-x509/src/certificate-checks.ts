/**
 * Per-certificate checks of RFC 5280 §6.1 path validation that do not need
 * the issuer's key: validity period, critical extensions, and the
 * constraints an issuing CA must satisfy.
 */
import { X509CredentialError } from "./errors.js";
import { KeyUsageBit, PROCESSED_EXTENSIONS } from "./extensions.js";
import { type ParsedCertificate, subjectText } from "./parsed-certificate.js";

/** A position in the path, as errors report it. */
export type ChainPosition = number | "anchor";

function at(c: ParsedCertificate, chainIndex: ChainPosition) {
  return { chainIndex, subject: subjectText(c) };
}

/**
 * RFC 5280 §6.1.3 (a)(2): the validation time lies in [notBefore, notAfter].
 * With `tolerateExpired`, only `notBefore` is enforced (RFC 9420 §5.3.2).
 */
export function checkValidityPeriod(c: ParsedCertificate, position: ChainPosition, time: Date, tolerateExpired: boolean): void {
  const { notBefore, notAfter } = c.certificate;
  const t = time.getTime();
  if (t < notBefore.getTime()) {
    throw new X509CredentialError("credential/x509-not-yet-valid", "5.3.1", `not valid before ${notBefore.toISOString()} (checked at ${time.toISOString()})`, at(c, position));
  }
  if (t > notAfter.getTime() && !tolerateExpired) {
    throw new X509CredentialError("credential/x509-expired", "5.3.2", `expired at ${notAfter.toISOString()} (checked at ${time.toISOString()})`, at(c, position));
  }
}

/** RFC 5280 §4.2: a certificate with a critical extension the validator does not process must be rejected. */
export function checkCriticalExtensions(c: ParsedCertificate, position: ChainPosition, accepted: ReadonlySet<string>): void {
  for (const e of c.fields.extensions) {
    if (e.critical && !PROCESSED_EXTENSIONS.has(e.oid) && !accepted.has(e.oid)) {
      throw new X509CredentialError(
        "credential/x509-unhandled-critical-extension",
        "5.3.1",
        `critical extension ${e.oid} is not processed (list it in acceptedCriticalExtensions if the application enforces it)`,
        at(c, position),
      );
    }
  }
}

/**
 * The constraints on a certificate that issued another (RFC 5280 §6.1.4):
 * basicConstraints cA (k), pathLenConstraint (l, m), keyUsage keyCertSign (n).
 * `followingIntermediates` counts the non-self-issued intermediates below it.
 * A trust anchor is trusted by configuration, so for it only the constraints
 * it carries are applied: a missing basicConstraints is accepted.
 */
export function checkIssuer(issuer: ParsedCertificate, position: ChainPosition, followingIntermediates: number): void {
  const bc = issuer.basicConstraints;
  if (bc === undefined ? position !== "anchor" : !bc.ca) {
    throw new X509CredentialError("credential/x509-not-ca", "5.3.1", "issues a certificate but is not a CA (basicConstraints cA)", at(issuer, position));
  }
  if (bc?.pathLength !== undefined && followingIntermediates > bc.pathLength) {
    throw new X509CredentialError(
      "credential/x509-path-length",
      "5.3.1",
      `pathLenConstraint ${bc.pathLength} allows fewer than the ${followingIntermediates} intermediate certificates below it`,
      at(issuer, position),
    );
  }
  if (issuer.keyUsage !== undefined && !issuer.keyUsage(KeyUsageBit.keyCertSign)) {
    throw new X509CredentialError("credential/x509-key-usage", "5.3.1", "keyUsage lacks keyCertSign, so it may not sign certificates", at(issuer, position));
  }
}

/** The leaf signs MLS messages: keyUsage, when present, must allow digitalSignature (RFC 5280 §4.2.1.3). */
export function checkLeafKeyUsage(leaf: ParsedCertificate): void {
  if (leaf.keyUsage !== undefined && !leaf.keyUsage(KeyUsageBit.digitalSignature)) {
    throw new X509CredentialError("credential/x509-key-usage", "5.3.1", "keyUsage lacks digitalSignature, so the key may not sign MLS messages", at(leaf, 0));
  }
}
