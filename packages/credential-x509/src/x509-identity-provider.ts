/**
 * The X.509 Authentication Service (RFC 9420 §5.3, RFC 9750 §5: "a PKI could
 * be used as an AS").
 */
import { bytesEqual } from "@mlskit/codec";
import {
  CIPHER_SUITES,
  type Credential,
  type CredentialEvent,
  CredentialType,
  type CredentialTypeId,
  type CredentialValidationInput,
  type IdentityProvider,
  UsageError,
  type ValidatedIdentity,
  isX509Credential,
  unsupportedCredentialType,
  validationTime,
  expectDefined,
} from "@mlskit/core";
import type { X509Certificate } from "@peculiar/x509";
import { checkCriticalExtensions, checkLeafKeyUsage, checkValidityPeriod } from "./certificate-checks.js";
import { buildCertificationPath } from "./certification-path.js";
import { X509CredentialError } from "./errors.js";
import type { SubjectAltName } from "./extensions.js";
import { type X509IdentityRule, readIdentity } from "./identity-rule.js";
import { type ParsedCertificate, parseCertificate, subjectText } from "./parsed-certificate.js";
import { type RevocationCheck, checkRevocation } from "./revocation.js";
import { describeSpki, schemeKey, spkiKeyEquals, spkiMatchesScheme } from "./signature-key.js";
import { X509Certificate as X509CertificateClass } from "./x509-runtime.js";

/** A certificate as the application configures it: DER bytes, or PEM/Base64/hex text. */
export type CertificateInput = Uint8Array | string;

/** Options of {@link X509IdentityProvider}. */
export interface X509IdentityProviderOptions {
  /** The certificates the application trusts (roots, or any CA it pins). At least one. */
  readonly trustAnchors: readonly CertificateInput[];
  /**
   * Intermediate CA certificates that chains may omit because peers already
   * have them (RFC 9420 §5.3). Untrusted on their own: they must chain to an anchor.
   */
  readonly intermediates?: readonly CertificateInput[];
  /** Which presented identifier is the MLS identity. Default `"uri-or-common-name"`. */
  readonly identity?: X509IdentityRule;
  /**
   * Decides whether a successor's identity may replace a predecessor's
   * (RFC 9420 §5.3.1). Default: the same identity bytes.
   */
  readonly successor?: (predecessorIdentity: Uint8Array, successorIdentity: Uint8Array) => boolean | Promise<boolean>;
  /** Revocation status source (CRL, OCSP…); none by default. */
  readonly revocation?: RevocationCheck;
  /** Reject when the revocation source answers `"unknown"` (fail closed). Default false. */
  readonly failOnUnknownRevocation?: boolean;
  /** OIDs of critical extensions the application enforces itself, so they do not cause rejection. */
  readonly acceptedCriticalExtensions?: readonly string[];
  /**
   * Events at which an expired (but otherwise valid) chain is accepted, for
   * example `["welcome-tree"]` so that joining a group whose members have not
   * yet renewed does not fail (RFC 9420 §5.3.2). Default: none.
   */
  readonly tolerateExpiredIn?: readonly CredentialEvent[];
  /** The most certificates a path may hold, anchor excluded. Default 8. */
  readonly maxPathLength?: number;
  /**
   * The WebCrypto implementation used to verify signatures; default
   * `globalThis.crypto`. Ed448 needs a WebCrypto that offers it (Node ≥ 20
   * does; not every browser does).
   */
  readonly crypto?: Crypto;
}

/** The result of a successful X.509 validation. */
export interface X509ValidatedIdentity extends ValidatedIdentity {
  readonly validUntil: Date;
  /** The verified path, leaf first (presented certificates, then any completed from intermediates). */
  readonly certificates: readonly X509Certificate[];
  readonly trustAnchor: X509Certificate;
  /** The leaf's email, DNS and URI subject alternative names: its presented identifiers. */
  readonly subjectAltNames: readonly SubjectAltName[];
}

/**
 * {@link IdentityProvider} for `CredentialType.x509` credentials
 * (RFC 9420 §5.3): the chain, leaf first, must lead to a configured trust
 * anchor, every certificate being valid at the context's time, each issuer a
 * CA, and the leaf's public key the MLS signature key in the cipher suite's
 * signature scheme (Ed25519, Ed448, ECDSA P-256/P-384/P-521). Issuers may
 * use any algorithm `@peculiar/x509` verifies (also RSA).
 *
 * Works in any runtime with WebCrypto (browsers, Node ≥ 20, Deno, Bun,
 * workers); Ed448 only where WebCrypto offers it.
 */
export class X509IdentityProvider implements IdentityProvider {
  readonly #anchors: readonly ParsedCertificate[];
  readonly #intermediates: readonly ParsedCertificate[];
  readonly #identityRule: X509IdentityRule;
  readonly #successor: NonNullable<X509IdentityProviderOptions["successor"]>;
  readonly #revocation: RevocationCheck | undefined;
  readonly #failOnUnknownRevocation: boolean;
  readonly #acceptedCritical: ReadonlySet<string>;
  readonly #tolerateExpiredIn: ReadonlySet<CredentialEvent>;
  readonly #maxPathLength: number;
  readonly #crypto: Crypto;

  /** @throws UsageError for a missing or unparsable trust anchor or intermediate, or no WebCrypto. */
  constructor(options: X509IdentityProviderOptions) {
    if (options.trustAnchors.length === 0) throw new UsageError("usage/x509-no-trust-anchor", "configure at least one trust anchor");
    this.#anchors = options.trustAnchors.map((c, i) => configured(c, `trustAnchors[${i}]`));
    this.#intermediates = (options.intermediates ?? []).map((c, i) => configured(c, `intermediates[${i}]`));
    this.#identityRule = options.identity ?? "uri-or-common-name";
    this.#successor = options.successor ?? bytesEqual;
    this.#revocation = options.revocation;
    this.#failOnUnknownRevocation = options.failOnUnknownRevocation ?? false;
    this.#acceptedCritical = new Set(options.acceptedCriticalExtensions ?? []);
    this.#tolerateExpiredIn = new Set(options.tolerateExpiredIn ?? []);
    this.#maxPathLength = options.maxPathLength ?? 8;
    const crypto = options.crypto ?? (globalThis as { crypto?: Crypto }).crypto;
    if (crypto?.subtle === undefined) throw new UsageError("usage/no-webcrypto", "no WebCrypto: pass options.crypto");
    this.#crypto = crypto;
  }

  supportedCredentialTypes(): readonly CredentialTypeId[] {
    return [CredentialType.x509];
  }

  /**
   * Validates an X.509 credential (RFC 9420 §5.3.1).
   * @throws {@link X509CredentialError} naming the certificate and the reason.
   */
  async validateCredential(input: CredentialValidationInput): Promise<X509ValidatedIdentity> {
    const { credential, signaturePublicKey, cipherSuite, context } = input;
    const presented = this.#parseChain(credential);
    const leaf = expectDefined(presented[0], "presented[0]");

    // RFC 9420 §5.3: the leaf's key is the signature key, in the suite's scheme (§5.1).
    const scheme = CIPHER_SUITES.get(cipherSuite)?.signature;
    const key = scheme === undefined ? undefined : schemeKey(scheme);
    if (key === undefined) {
      throw new X509CredentialError("credential/x509-unsupported-cipher-suite", "5.1", `no known signature scheme for cipher suite 0x${cipherSuite.toString(16)}`);
    }
    const spki = leaf.fields.subjectPublicKeyInfo;
    if (!spkiMatchesScheme(spki, key)) {
      throw new X509CredentialError("credential/x509-key-algorithm", "5.3", `key is ${describeSpki(spki)}, the cipher suite signs with ${key.name}`, {
        chainIndex: 0,
        subject: subjectText(leaf),
      });
    }
    if (!(await spkiKeyEquals(spki, key, signaturePublicKey, this.#crypto))) {
      throw new X509CredentialError("credential/x509-key-mismatch", "5.3", "subjectPublicKeyInfo is not the MLS signature key", {
        chainIndex: 0,
        subject: subjectText(leaf),
      });
    }
    checkLeafKeyUsage(leaf);
    const identity = readIdentity(leaf, this.#identityRule);

    const time = validationTime(context);
    const tolerateExpired = this.#tolerateExpiredIn.has(context.event);
    presented.forEach((c, i) => {
      checkValidityPeriod(c, i, time, tolerateExpired);
      checkCriticalExtensions(c, i, this.#acceptedCritical);
    });

    const { path, anchor, anchorInPath } = await buildCertificationPath(
      presented,
      { trustAnchors: this.#anchors, intermediates: this.#intermediates, maxPathLength: this.#maxPathLength },
      this.#crypto,
    );
    for (let i = presented.length; i < path.length; i++) {
      checkValidityPeriod(expectDefined(path[i], "path[i]"), i, time, tolerateExpired);
      checkCriticalExtensions(expectDefined(path[i], "path[i]"), i, this.#acceptedCritical);
    }
    if (!anchorInPath) checkValidityPeriod(anchor, "anchor", time, tolerateExpired);

    if (this.#revocation !== undefined) {
      const subjects = anchorInPath ? path.slice(0, -1) : path;
      const issuers = [...path.slice(1), ...(anchorInPath ? [] : [anchor])];
      await checkRevocation(subjects, issuers, this.#revocation, this.#failOnUnknownRevocation, time);
    }

    let validUntil = anchor.certificate.notAfter;
    for (const c of path) if (c.certificate.notAfter < validUntil) validUntil = c.certificate.notAfter;
    return {
      identity,
      credentialType: CredentialType.x509,
      validUntil,
      certificates: path.map((c) => c.certificate),
      trustAnchor: anchor.certificate,
      subjectAltNames: leaf.subjectAltNames,
    };
  }

  /** Validates an `external_senders` credential exactly as a member's (RFC 9420 §12.1.8.1). */
  validateExternalSender(input: CredentialValidationInput): Promise<X509ValidatedIdentity> {
    return this.validateCredential(input);
  }

  /**
   * The leaf's identity under the configured rule, without validating the chain.
   * @throws {@link X509CredentialError} when the leaf is malformed or presents no identity.
   */
  async identity(credential: Credential): Promise<Uint8Array> {
    const [leaf] = this.#parseChain(credential, 1);
    return readIdentity(expectDefined(leaf, "leaf"), this.#identityRule);
  }

  /** RFC 9420 §5.3.1: by default the successor must present the same identity. */
  async validSuccessor(predecessor: Credential, successor: Credential): Promise<boolean> {
    let before: Uint8Array;
    let after: Uint8Array;
    try {
      [before, after] = await Promise.all([this.identity(predecessor), this.identity(successor)]);
    } catch {
      return false;
    }
    return this.#successor(before, after);
  }

  /** Parses the first `limit` certificates of an X.509 credential. */
  #parseChain(credential: Credential, limit = Infinity): ParsedCertificate[] {
    if (!isX509Credential(credential)) throw unsupportedCredentialType(credential.credentialType);
    if (credential.certificates.length === 0) {
      throw new X509CredentialError("credential/x509-empty-chain", "5.3", "the credential carries no certificate");
    }
    return credential.certificates.slice(0, limit).map((der, i) => parseCertificate(der, i));
  }
}

function configured(input: CertificateInput, what: string): ParsedCertificate {
  try {
    const der = typeof input === "string" ? new Uint8Array(new X509CertificateClass(input).rawData) : input;
    return parseCertificate(der, "anchor");
  } catch (cause) {
    throw new UsageError("usage/x509-bad-certificate", `${what} is not a certificate`, { cause });
  }
}
