/**
 * The Authentication Service seam (RFC 9420 §5.3, RFC 9750 §5): an
 * {@link IdentityProvider} validates the credentials met in the protocol,
 * names the identity each one presents, and decides whether a replacement
 * credential is a valid successor of the one it replaces.
 *
 * Applications plug credential types in without forking mlskit: one provider
 * per credential type, combined with {@link CompositeIdentityProvider}.
 */
import { bytesEqual } from "@mlskit/codec";
import type { Credential } from "./credential.js";
import { MlsError, ProviderError, UsageError, ValidationError } from "./errors.js";
import type { Extension } from "./extension.js";
import type { CipherSuiteId, CredentialTypeId } from "./ids.js";

/**
 * Where a credential was met. RFC 9420 §5.3.1 lists the events at which a new
 * credential MUST be validated with the AS:
 * - `"key-package"`: a KeyPackage about to be used in an Add, or an Add proposal;
 * - `"update"`: an Update proposal's LeafNode;
 * - `"commit"`: the LeafNode of a Commit's UpdatePath;
 * - `"welcome-tree"`: the members of a ratchet tree received when joining by Welcome;
 * - `"external-commit"`: the members of a ratchet tree joined by external Commit;
 * - `"external-sender"`: an `external_senders` extension added or updated;
 * - `"group-info"`: the signer of a GroupInfo used to join.
 */
export type CredentialEvent = "key-package" | "update" | "commit" | "welcome-tree" | "external-commit" | "external-sender" | "group-info";

/** The group a credential was met in, when there is one. */
export interface CredentialGroup {
  readonly groupId: Uint8Array;
  /** The GroupContext extensions (RFC 9420 §8.1), or those proposed. */
  readonly extensions: readonly Extension[];
}

/** The circumstances of a validation. */
export interface CredentialContext {
  readonly event: CredentialEvent;
  /**
   * The time to check validity at: a `Date`, or seconds since the Unix epoch.
   * Defaults to now. An application processing old messages may pass the time
   * they were sent (RFC 9420 §5.3.2).
   */
  readonly time?: Date | number;
  readonly group?: CredentialGroup;
}

/** What {@link IdentityProvider.validateCredential} is asked to check. */
export interface CredentialValidationInput {
  readonly credential: Credential;
  /** The `signature_key` the credential must be bound to (LeafNode or ExternalSender). */
  readonly signaturePublicKey: Uint8Array;
  /** The group's (or KeyPackage's) cipher suite: it fixes the signature scheme. */
  readonly cipherSuite: CipherSuiteId;
  readonly context: CredentialContext;
}

/** A credential the AS accepted, and the identity it presents. */
export interface ValidatedIdentity {
  /** The stable identity, as {@link IdentityProvider.identity} returns it. */
  readonly identity: Uint8Array;
  readonly credentialType: CredentialTypeId;
  /**
   * When the credential stops being valid, if it expires (for X.509, the
   * earliest `notAfter` of the chain); lets an application replace or remove
   * expiring credentials (RFC 9420 §5.3.2).
   */
  readonly validUntil?: Date;
}

/**
 * The Authentication Service as mlskit calls it (RFC 9750 §5: verify that a
 * credential is valid for an identity, and that a credential represents the
 * same client as another). Implementations reject by throwing
 * {@link ValidationError} with a `credential/…` code naming the reason and
 * `rfcSection` `"5.3.1"` (or the section whose MUST failed).
 */
export interface IdentityProvider {
  /** The credential types this provider validates. */
  supportedCredentialTypes(): readonly CredentialTypeId[];
  /**
   * Validates a credential met in the protocol (RFC 9420 §5.3.1): it must
   * legitimately present an identity and be bound to `signaturePublicKey`.
   * @throws {@link ValidationError} `credential/…` when it is not acceptable.
   */
  validateCredential(input: CredentialValidationInput): Promise<ValidatedIdentity>;
  /**
   * Validates the credential of an `external_senders` entry (RFC 9420 §12.1.8.1,
   * §5.3.1). Input as for {@link validateCredential}, with event `"external-sender"`.
   * @throws {@link ValidationError} `credential/…` when it is not acceptable.
   */
  validateExternalSender(input: CredentialValidationInput): Promise<ValidatedIdentity>;
  /**
   * The stable identity a credential presents, without validating it (for
   * lookups such as "which leaf is Alice"). Equal bytes mean the same client
   * or user, as the application defines it (RFC 9420 §5.3.3).
   * @throws {@link ValidationError} when no identity can be read.
   */
  identity(credential: Credential): Promise<Uint8Array>;
  /**
   * Whether `successor` may replace `predecessor` in the same leaf (Update,
   * Commit UpdatePath, resync): by default the presented identity must not
   * change (RFC 9420 §5.3.1, last paragraph). Both credentials have already
   * been validated on their own.
   */
  validSuccessor(predecessor: Credential, successor: Credential): Promise<boolean>;
}

/** `time` of a {@link CredentialContext} as a `Date` (now when absent). */
export function validationTime(context: CredentialContext): Date {
  const t = context.time;
  if (t === undefined) return new Date();
  return typeof t === "number" ? new Date(t * 1000) : t;
}

/** The rejection for a credential type no provider handles (RFC 9420 §5.3.1). */
export function unsupportedCredentialType(credentialType: CredentialTypeId): ValidationError {
  return new ValidationError("credential/unsupported-type", "5.3.1", `no identity provider accepts credential type 0x${credentialType.toString(16).padStart(4, "0")}`);
}

/** Options of {@link CompositeIdentityProvider}. */
export interface CompositeIdentityProviderOptions {
  /**
   * May a credential be replaced by one of another type? `"reject"` (the
   * default) refuses; `"same-identity"` accepts when both providers report
   * equal identity bytes.
   */
  readonly crossTypeSuccessor?: "reject" | "same-identity";
}

/**
 * Dispatches each call to the provider registered for the credential's type,
 * so an application can mix basic, X.509 and its own credential types. A type
 * nobody registered is rejected with `credential/unsupported-type`.
 *
 * @example
 * ```ts
 * const as = new CompositeIdentityProvider([
 *   new BasicIdentityProvider({ policy: directoryPolicy(keysByUser) }),
 *   new X509IdentityProvider({ trustAnchors: [rootDer] }),
 * ]).register(myTokenProvider);
 * ```
 */
export class CompositeIdentityProvider implements IdentityProvider {
  readonly #byType = new Map<CredentialTypeId, IdentityProvider>();
  readonly #crossType: "reject" | "same-identity";

  constructor(providers: readonly IdentityProvider[] = [], options: CompositeIdentityProviderOptions = {}) {
    this.#crossType = options.crossTypeSuccessor ?? "reject";
    for (const p of providers) this.register(p);
  }

  /**
   * Adds a provider for the credential types it reports.
   * @throws {@link UsageError} `identity/duplicate-credential-type` if one of
   * them already has a provider.
   */
  register(provider: IdentityProvider): this {
    const types = provider.supportedCredentialTypes();
    for (const t of types) {
      if (this.#byType.has(t)) {
        throw new UsageError("identity/duplicate-credential-type", `credential type 0x${t.toString(16)} already has a provider`);
      }
    }
    for (const t of types) this.#byType.set(t, provider);
    return this;
  }

  /** The provider registered for a type, if any. */
  providerFor(credentialType: CredentialTypeId): IdentityProvider | undefined {
    return this.#byType.get(credentialType);
  }

  supportedCredentialTypes(): readonly CredentialTypeId[] {
    return [...this.#byType.keys()];
  }

  async validateCredential(input: CredentialValidationInput): Promise<ValidatedIdentity> {
    return this.#require(input.credential).validateCredential(input);
  }

  async validateExternalSender(input: CredentialValidationInput): Promise<ValidatedIdentity> {
    return this.#require(input.credential).validateExternalSender(input);
  }

  async identity(credential: Credential): Promise<Uint8Array> {
    return this.#require(credential).identity(credential);
  }

  async validSuccessor(predecessor: Credential, successor: Credential): Promise<boolean> {
    const before = this.#byType.get(predecessor.credentialType);
    const after = this.#byType.get(successor.credentialType);
    if (before === undefined || after === undefined) return false;
    if (predecessor.credentialType === successor.credentialType) return before.validSuccessor(predecessor, successor);
    if (this.#crossType === "reject") return false;
    const [a, b] = await Promise.all([before.identity(predecessor), after.identity(successor)]);
    return bytesEqual(a, b);
  }

  #require(credential: Credential): IdentityProvider {
    const p = this.#byType.get(credential.credentialType);
    // RFC 9420 §5.3.1: a credential the AS cannot validate is not acceptable.
    if (p === undefined) throw unsupportedCredentialType(credential.credentialType);
    return p;
  }
}

/**
 * `provider` with its failures typed: an exception that is not an mlskit error
 * (a thrown `TypeError`, a failed fetch in a custom provider) becomes a
 * {@link ProviderError} `provider/identity-failed` with the original as its
 * `cause`. mlskit errors (its ValidationError rejections) pass unchanged. The
 * facade's Client wraps the IdentityProvider it is given with this.
 */
export function guardIdentityProvider(provider: IdentityProvider): IdentityProvider {
  const guard = <T>(method: string, run: () => Promise<T>): Promise<T> =>
    Promise.resolve()
      .then(run)
      .catch((err: unknown) => {
        if (MlsError.isInstance(err)) throw err;
        throw new ProviderError("provider/identity-failed", `the IdentityProvider's ${method} failed`, { cause: err });
      });
  return {
    supportedCredentialTypes: () => provider.supportedCredentialTypes(),
    validateCredential: (input) => guard("validateCredential", () => provider.validateCredential(input)),
    validateExternalSender: (input) => guard("validateExternalSender", () => provider.validateExternalSender(input)),
    identity: (credential) => guard("identity", () => provider.identity(credential)),
    validSuccessor: (predecessor, successor) => guard("validSuccessor", () => provider.validSuccessor(predecessor, successor)),
  };
}
