/**
 * What a {@link Client}'s options say of its groups and leaves: the default
 * group policy (and the per-group one for groups loaded from storage), and
 * the capabilities advertised in its leaves.
 */
import type { CipherSuiteId, Credential, IdentityProvider } from "@mlskit/core";
import { type GroupPolicy, type GroupPolicyInput, defaultCapabilities, groupPolicy, SELF_REMOVE_PROPOSAL_TYPE } from "@mlskit/group";
import type { Capabilities } from "@mlskit/ratchet-tree";
import type { Client } from "./client.js";
import type { ClientOptions } from "./client-options.js";

/** A {@link Client}'s policy and capability settings. @internal */
export class ClientSettings {
  readonly #policyInput: GroupPolicyInput;
  /** The application's per-group policy for groups loaded from storage. */
  readonly #policyFor: ((groupId: Uint8Array) => GroupPolicyInput | undefined) | undefined;
  readonly #capabilities: Capabilities | undefined;
  readonly #advertisedCredentialTypes: readonly number[];
  /** draft-ietf-mls-extensions features advertised (ClientOptions.draftExtensions). */
  readonly #selfRemove: boolean;

  readonly #defaultSuite: CipherSuiteId;
  readonly #credential: Credential;
  readonly #identityProvider: IdentityProvider;

  constructor(options: ClientOptions, defaultSuite: CipherSuiteId, credential: Credential, identityProvider: IdentityProvider) {
    this.#defaultSuite = defaultSuite;
    this.#credential = credential;
    this.#identityProvider = identityProvider;
    this.#policyInput = options.policy ?? {};
    this.#policyFor = options.policyFor;
    this.#capabilities = options.capabilities;
    this.#advertisedCredentialTypes = options.advertisedCredentialTypes ?? [];
    this.#selfRemove = options.draftExtensions?.selfRemove === true;
  }

  /** The capabilities advertised in leaves of `suite`. */
  capabilitiesFor(suite: CipherSuiteId): Capabilities {
    if (this.#capabilities !== undefined) return this.#capabilities;
    const credentials = [...new Set([this.#credential.credentialType, ...this.#identityProvider.supportedCredentialTypes(), ...this.#advertisedCredentialTypes])];
    const proposals = (this.#policyInput.customProposals ?? []).map((h) => h.proposalType);
    if (this.#selfRemove) proposals.push(SELF_REMOVE_PROPOSAL_TYPE);
    return defaultCapabilities({ cipherSuites: [...new Set([this.#defaultSuite, suite])], credentials, proposals });
  }

  /** The client's policy, overridden by `input`. */
  policy(input: GroupPolicyInput | undefined): GroupPolicy {
    return groupPolicy({ ...this.#policyInput, ...input });
  }

  /** The policy of a group loaded from storage. */
  policyFor(groupId: Uint8Array): GroupPolicy {
    return this.policy(this.#policyFor?.(groupId));
  }
}
