/**
 * Basic credentials (RFC 9420 §5.3): a bare assertion of an identity, with
 * nothing in it to verify. Whether `identity` may use `signature_key` is the
 * application's decision, made by the {@link BasicCredentialPolicy} it supplies
 * (a directory of keys, key transparency, users comparing fingerprints…).
 */
import { bytesEqual, toHex, utf8 } from "@mlskit/codec";
import { type Credential, isBasicCredential } from "./credential.js";
import { ValidationError } from "./errors.js";
import { CredentialType, type CredentialTypeId } from "./ids.js";
import { type CredentialContext, type CredentialValidationInput, type IdentityProvider, type ValidatedIdentity, unsupportedCredentialType } from "./identity-provider.js";

/**
 * Decides whether a basic credential's `identity` may sign with
 * `signaturePublicKey`. Return `false` to reject with `credential/rejected`, or
 * throw a {@link ValidationError} to name a more specific reason.
 */
export type BasicCredentialPolicy = (identity: Uint8Array, signaturePublicKey: Uint8Array, context: CredentialContext) => boolean | Promise<boolean>;

/**
 * Accepts every basic credential: anyone may claim any identity. Only for
 * tests and demos, or where authentication happens entirely outside MLS; it
 * is never a default.
 */
export const acceptAll: BasicCredentialPolicy = () => true;

/** A directory entry: identity (bytes, or a string taken as UTF-8) → signature public key. */
export type DirectoryEntry = readonly [identity: Uint8Array | string, signaturePublicKey: Uint8Array];

/** Looks an identity's signature key up; `undefined` when the identity is unknown. */
export type DirectoryLookup = (identity: Uint8Array) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/**
 * A policy that accepts an identity only with the signature key a directory
 * holds for it. Rejects an unknown identity with `credential/unknown-identity`
 * and another key with `credential/key-mismatch` (RFC 9420 §5.3.1).
 * @param directory entries (copied now), or a lookup function called each time.
 */
export function directoryPolicy(directory: Iterable<DirectoryEntry> | DirectoryLookup): BasicCredentialPolicy {
  let lookup: DirectoryLookup;
  if (typeof directory === "function") lookup = directory;
  else {
    const map = new Map<string, Uint8Array>();
    for (const [id, key] of directory) map.set(toHex(typeof id === "string" ? utf8(id) : id), key.slice());
    lookup = (identity) => map.get(toHex(identity));
  }
  return async (identity, signaturePublicKey) => {
    const expected = await lookup(identity);
    if (expected === undefined) {
      throw new ValidationError("credential/unknown-identity", "5.3.1", `identity ${describe(identity)} is not in the directory`);
    }
    if (!bytesEqual(expected, signaturePublicKey)) {
      throw new ValidationError("credential/key-mismatch", "5.3.1", `the signature key is not the one the directory holds for identity ${describe(identity)}`);
    }
    return true;
  };
}

/** Options of {@link BasicIdentityProvider}. */
export interface BasicIdentityProviderOptions {
  /** Decides which identities may use which signature keys. Required: there is no permissive default. */
  readonly policy: BasicCredentialPolicy;
  /** The policy for `external_senders` credentials; defaults to `policy`. */
  readonly externalSenderPolicy?: BasicCredentialPolicy;
}

/**
 * {@link IdentityProvider} for `CredentialType.basic`. The identity is the
 * credential's `identity` bytes; a successor must present the same bytes.
 */
export class BasicIdentityProvider implements IdentityProvider {
  readonly #policy: BasicCredentialPolicy;
  readonly #externalSenderPolicy: BasicCredentialPolicy;

  constructor(options: BasicIdentityProviderOptions) {
    this.#policy = options.policy;
    this.#externalSenderPolicy = options.externalSenderPolicy ?? options.policy;
  }

  supportedCredentialTypes(): readonly CredentialTypeId[] {
    return [CredentialType.basic];
  }

  validateCredential(input: CredentialValidationInput): Promise<ValidatedIdentity> {
    return this.#validate(input, this.#policy);
  }

  validateExternalSender(input: CredentialValidationInput): Promise<ValidatedIdentity> {
    return this.#validate(input, this.#externalSenderPolicy);
  }

  async identity(credential: Credential): Promise<Uint8Array> {
    if (!isBasicCredential(credential)) throw unsupportedCredentialType(credential.credentialType);
    return credential.identity.slice();
  }

  async validSuccessor(predecessor: Credential, successor: Credential): Promise<boolean> {
    // RFC 9420 §5.3.1: the successor must present the same identity.
    return isBasicCredential(predecessor) && isBasicCredential(successor) && bytesEqual(predecessor.identity, successor.identity);
  }

  async #validate(input: CredentialValidationInput, policy: BasicCredentialPolicy): Promise<ValidatedIdentity> {
    const { credential, signaturePublicKey, context } = input;
    if (!isBasicCredential(credential)) throw unsupportedCredentialType(credential.credentialType);
    // RFC 9420 §5.3.1: the AS verifies that the identity is associated with signature_key.
    const ok = await policy(credential.identity, signaturePublicKey, context);
    if (!ok) {
      throw new ValidationError("credential/rejected", "5.3.1", `basic credential for identity ${describe(credential.identity)} rejected by the application's policy`);
    }
    return { identity: credential.identity.slice(), credentialType: CredentialType.basic };
  }
}

/** A readable rendering of an identity for messages: the UTF-8 text if printable, hex otherwise. */
function describe(identity: Uint8Array): string {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(identity);
  return /^[\x20-\x7e]{1,64}$/.test(text) ? JSON.stringify(text) : `0x${toHex(identity.subarray(0, 32))}${identity.length > 32 ? "…" : ""}`;
}
