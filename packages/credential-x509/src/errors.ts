/** Rejections of X.509 credentials, naming the certificate at fault. */
import { ValidationError, type MlsErrorOptions } from "@mlskit/core";

/** Why an X.509 credential was rejected. */
export type X509ErrorCode =
  /** The credential carries no certificate. */
  | "credential/x509-empty-chain"
  /** A certificate (or a configured anchor) does not parse. */
  | "credential/x509-malformed"
  /** The validation time is after a certificate's `notAfter`. */
  | "credential/x509-expired"
  /** The validation time is before a certificate's `notBefore`. */
  | "credential/x509-not-yet-valid"
  /** The chain does not lead to a configured trust anchor. */
  | "credential/x509-untrusted-root"
  /** A certificate's issuer name is not the subject of the next one. */
  | "credential/x509-issuer-mismatch"
  /** A certificate's signature does not verify under its issuer's key. */
  | "credential/x509-bad-signature"
  /** An issuer is not a CA (basicConstraints). */
  | "credential/x509-not-ca"
  /** A CA's pathLenConstraint is exceeded. */
  | "credential/x509-path-length"
  /** keyUsage forbids the use: digitalSignature on the leaf, keyCertSign on issuers. */
  | "credential/x509-key-usage"
  /** A critical extension this package does not process and the application did not accept. */
  | "credential/x509-unhandled-critical-extension"
  /** The revocation hook reported the certificate revoked. */
  | "credential/x509-revoked"
  /** The revocation hook could not tell, and the provider is configured to fail closed. */
  | "credential/x509-revocation-unknown"
  /** The leaf's key algorithm is not the cipher suite's signature scheme. */
  | "credential/x509-key-algorithm"
  /** The leaf's public key is not the MLS signature key. */
  | "credential/x509-key-mismatch"
  /** No identity could be read from the leaf with the configured rule. */
  | "credential/x509-no-identity"
  /** The cipher suite is not one whose signature scheme this provider knows. */
  | "credential/x509-unsupported-cipher-suite";

const X509 = Symbol.for("@mlskit/error/credential-x509");

/**
 * A {@link ValidationError} about one certificate: `chainIndex` is its
 * position in the validated path (0 = the leaf; the presented certificates
 * first, then any completed from configured intermediates), `"anchor"` for a
 * trust anchor, `undefined` when no single certificate is at fault.
 */
export class X509CredentialError extends ValidationError {
  readonly [X509] = true;
  declare readonly code: X509ErrorCode;
  readonly chainIndex: number | "anchor" | undefined;
  /** The subject DN of the certificate at fault, as text. */
  readonly subject: string | undefined;

  constructor(
    code: X509ErrorCode,
    rfcSection: string,
    reason: string,
    at: { readonly chainIndex?: number | "anchor"; readonly subject?: string } = {},
    options: MlsErrorOptions = {},
  ) {
    const where = at.chainIndex === undefined ? "" : `${at.chainIndex === "anchor" ? "trust anchor" : `certificate ${at.chainIndex}`}${at.subject ? ` (${at.subject})` : ""}: `;
    super(code, rfcSection, `${where}${reason}`, options);
    this.chainIndex = at.chainIndex;
    this.subject = at.subject;
  }

  static override isInstance = ((v: unknown) => ValidationError.isInstance(v) && (v as unknown as Record<symbol, unknown>)[X509] === true) as (
    v: unknown,
  ) => v is X509CredentialError;
}
