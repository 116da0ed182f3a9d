/**
 * What the {@link Client}'s module functions (KeyPackages, joins,
 * resumption) need from the client: its keys, storage, services and group
 * bookkeeping. Internal to the facade.
 */
import type { CipherSuiteId, CipherSuiteProvider, ClientStore, Credential, CryptoProvider, IdentityProvider, KeyPair } from "@mlskit/core";
import type { GroupPolicy, GroupPolicyInput, GroupServices, GroupState } from "@mlskit/group";
import type { Capabilities } from "@mlskit/ratchet-tree";
import type { Client } from "./client.js";
import type { Group } from "./group.js";
import type { WriteExtras } from "./group-persistence.js";
import type { SpentKeyReason } from "./key-forgetting.js";

/** A {@link Client}'s internals, as its module functions see them. @internal */
export interface ClientInternals {
  readonly crypto: CryptoProvider;
  /** The default suite's provider. */
  readonly cs: CipherSuiteProvider;
  readonly credential: Credential;
  readonly identityProvider: IdentityProvider;
  readonly storage: ClientStore;
  readonly services: GroupServices;
  /** The groups in memory, by hex group id. */
  readonly groups: ReadonlyMap<string, Group>;
  /** The signature key pair of a suite's signature scheme (generated on first use). */
  signatureFor(cs: CipherSuiteProvider): Promise<KeyPair>;
  /** The capabilities advertised in leaves of this suite. */
  capabilitiesFor(suite: CipherSuiteId): Capabilities;
  /** The client's policy, overridden by `input`. */
  policy(input: GroupPolicyInput | undefined): GroupPolicy;
  /** Stores a state (with what its transition consumed) and serves it as one of the client's groups. */
  adopt(state: GroupState, extras?: WriteExtras): Promise<Group>;
  /** Retires a group frozen by a merged ReInit once its successor exists (§11.2). */
  retire(old: GroupState): Promise<void>;
  /** The group with this id, from memory or from the group store. */
  getGroup(groupId: Uint8Array): Promise<Group | undefined>;
  /** Every group the client keeps (loading those not in memory). */
  allGroups(): Promise<Group[]>;
  /** Tells the crypto provider these private keys are spent (never rejects; failures go to `onKeyDeletionFailed`). */
  forgetPrivateKeys(keys: readonly Uint8Array[], reason: SpentKeyReason): Promise<void>;
}
