/**
 * Building and verifying the certification path of an X.509 credential
 * (RFC 9420 §5.3, RFC 5280 §6.1): each presented certificate is issued by the
 * next, and the last one is a trust anchor or chains to one, through
 * intermediates the application configured (RFC 9420 §5.3: "a chain MAY omit
 * any non-leaf certificates that supported peers are known to already
 * possess").
 */
import { bytesEqual } from "@mlskit/codec";
import { checkIssuer } from "./certificate-checks.js";
import { X509CredentialError } from "./errors.js";
import { type ParsedCertificate, subjectText } from "./parsed-certificate.js";
import { isSignedBy } from "./verify-signature.js";
import { expectDefined } from "@mlskit/core";

/** What the path may be built from. */
export interface PathSources {
  readonly trustAnchors: readonly ParsedCertificate[];
  readonly intermediates: readonly ParsedCertificate[];
  /** The most certificates a path may hold, trust anchor excluded. */
  readonly maxPathLength: number;
}

/** A verified path. */
export interface CertificationPath {
  /**
   * Leaf first: the presented certificates, then any taken from the
   * configured intermediates. When the last presented certificate is itself
   * a trust anchor it stays here too, and `anchorInPath` is true.
   */
  readonly path: readonly ParsedCertificate[];
  readonly anchor: ParsedCertificate;
  readonly anchorInPath: boolean;
}

/** Non-self-issued intermediates strictly between the leaf and `path[index]`. */
function intermediatesBelow(path: readonly ParsedCertificate[], index: number): number {
  let n = 0;
  for (let i = 1; i < index; i++) if (!expectDefined(path[i], "path[i]").selfIssued) n++;
  return n;
}

/** Candidates whose subject is the child's issuer name and whose key verifies the child's signature. */
async function findIssuer(child: ParsedCertificate, candidates: readonly ParsedCertificate[], crypto: Crypto): Promise<ParsedCertificate | undefined> {
  for (const c of candidates) {
    if (bytesEqual(c.fields.subject, child.fields.issuer) && (await isSignedBy(child, c, crypto))) return c;
  }
  return undefined;
}

/**
 * Verifies the links of the presented chain, then completes it to a trust anchor.
 * @throws {@link X509CredentialError} `credential/x509-issuer-mismatch`,
 * `x509-bad-signature`, `x509-not-ca`, `x509-path-length`, `x509-key-usage`
 * or `x509-untrusted-root`, naming the certificate at fault.
 */
export async function buildCertificationPath(presented: readonly ParsedCertificate[], sources: PathSources, crypto: Crypto): Promise<CertificationPath> {
  const path = [...presented];
  if (path.length > sources.maxPathLength) {
    throw new X509CredentialError("credential/x509-untrusted-root", "5.3.1", `chain of ${path.length} certificates exceeds the limit of ${sources.maxPathLength}`);
  }

  // RFC 9420 §5.3: each certificate is issued by the next one in the chain.
  for (let i = 0; i + 1 < path.length; i++) {
    const child = expectDefined(path[i], "path[i]");
    const issuer = expectDefined(path[i + 1], "path[i + 1]");
    if (!bytesEqual(child.fields.issuer, issuer.fields.subject)) {
      throw new X509CredentialError(
        "credential/x509-issuer-mismatch",
        "5.3",
        `issuer "${child.certificate.issuer}" is not the subject of certificate ${i + 1} ("${subjectText(issuer)}")`,
        { chainIndex: i, subject: subjectText(child) },
      );
    }
    checkIssuer(issuer, i + 1, intermediatesBelow(path, i + 1));
    // RFC 5280 §6.1.3 (a)(1): the signature verifies under the issuer's key.
    if (!(await isSignedBy(child, issuer, crypto))) {
      throw new X509CredentialError("credential/x509-bad-signature", "5.3.1", `signature does not verify under the key of certificate ${i + 1}`, {
        chainIndex: i,
        subject: subjectText(child),
      });
    }
  }

  for (;;) {
    const tailIndex = path.length - 1;
    const tail = expectDefined(path[tailIndex], "path[tailIndex]");
    // The last certificate may itself be a configured trust anchor (byte for byte).
    if (sources.trustAnchors.some((a) => bytesEqual(a.fields.der, tail.fields.der))) {
      return { path, anchor: tail, anchorInPath: true };
    }
    const anchor = await findIssuer(tail, sources.trustAnchors, crypto);
    if (anchor !== undefined) {
      checkIssuer(anchor, "anchor", intermediatesBelow(path, path.length));
      return { path, anchor, anchorInPath: false };
    }
    if (path.length >= sources.maxPathLength) {
      throw new X509CredentialError("credential/x509-untrusted-root", "5.3.1", `no trust anchor within ${sources.maxPathLength} certificates`, {
        chainIndex: tailIndex,
        subject: subjectText(tail),
      });
    }
    const next = await findIssuer(tail, sources.intermediates, crypto);
    if (next === undefined) {
      // A CA of that name is configured but its key does not verify the signature:
      // the certificate was altered, or forged under a trusted name.
      const named = [...sources.trustAnchors, ...sources.intermediates].some((a) => bytesEqual(a.fields.subject, tail.fields.issuer));
      throw new X509CredentialError(
        named ? "credential/x509-bad-signature" : "credential/x509-untrusted-root",
        "5.3.1",
        named
          ? `signature does not verify under the key of the configured CA "${tail.certificate.issuer}"`
          : `issuer "${tail.certificate.issuer}" is neither a trust anchor nor a known intermediate`,
        { chainIndex: tailIndex, subject: subjectText(tail) },
      );
    }
    path.push(next);
    checkIssuer(next, path.length - 1, intermediatesBelow(path, path.length - 1));
  }
}
