/**
 * The options and results of {@link Client}'s methods: creating the client,
 * groups and KeyPackages, joining, and resuming groups.
 */
import type { HistorySharingOptions } from "./history/client-history.js";
import type { ForkOptions } from "./forks/fork-options.js";
import type { CipherSuiteId, ClientStore, Credential, CryptoProvider, Extension, IdentityProvider, KeyPair, SignatureSchemeId } from "@mlskit/core";
import type { GroupPolicyInput, GroupState, ResumptionKind } from "@mlskit/group";
import type { Capabilities } from "@mlskit/ratchet-tree";
import type { Client } from "./client.js";
import type { Group } from "./group.js";

/** Options of {@link Client.create}. */
export interface ClientOptions {
  /** A basic credential's identity (a string is taken as UTF-8). Give this or `credential`. */
  readonly identity?: string | Uint8Array;
  /** The client's credential (§5.3), bound to its signature key. */
  readonly credential?: Credential;
  /**
   * The signature key pair of the default suite's signature scheme; a fresh
   * one is generated when absent.
   */
  readonly signatureKeyPair?: KeyPair;
  /**
   * Signature key pairs of other signature schemes, by `SignatureScheme` id
   * (e.g. `{ [SignatureScheme.ecdsa_secp256r1_sha256]: p256KeyPair }`).
   * A scheme with no key pair here gets a fresh one the first time a
   * KeyPackage or group of a suite using it is made. The same credential is
   * used with every key: with credentials that bind a key (X.509), supply
   * key pairs the credential is valid for.
   */
  readonly signatureKeyPairs?: Readonly<Partial<Record<SignatureSchemeId, KeyPair>>>;
  /** The cipher suite of this client's groups and KeyPackages (default 0x0001). */
  readonly cipherSuite?: CipherSuiteId;
  /** Default: `webCryptoProvider({ fallback: noblePrimitives() })`. */
  readonly crypto?: CryptoProvider;
  /** The Authentication Service (§5.3.1): required, there is no permissive default. */
  readonly identityProvider: IdentityProvider;
  /** The default policy of this client's groups. */
  readonly policy?: GroupPolicyInput;
  /** Advertised capabilities (default: this suite, the identity provider's credential types, the policy's custom proposals). */
  readonly capabilities?: Capabilities;
  /**
   * Credential types listed in the default capabilities besides the
   * credential's own and the identity provider's (§7.2), e.g. to join groups
   * whose `required_capabilities` name a type no member here uses.
   */
  readonly advertisedCredentialTypes?: readonly number[];
  /**
   * Opt-in to parts of draft-ietf-mls-extensions (not final; code points
   * may change): `selfRemove` lists the SelfRemove proposal type (0x000A) in
   * the default capabilities, so this client's KeyPackages can join groups
   * that require it and its groups can be created with
   * {@link CreateGroupOptions.selfRemove}. Default: none.
   */
  readonly draftExtensions?: DraftExtensionsOptions;
  /**
   * Where the client record, groups, KeyPackage private keys and external
   * PSKs are kept (default: in memory, `memoryStore()`). A storage that
   * already holds a client restores it: its credential and signature keys
   * come from there (`identity`/`credential`, when given, must match), and
   * its groups load on demand with the client's `policy` (see `policyFor`).
   */
  readonly storage?: ClientStore;
  /**
   * The policy of a group loaded from storage, over the client's `policy`.
   * A policy is run-time context (it may hold callbacks) and is never
   * stored: a group created or joined with its own `policy` gets it back
   * after a restart only from here.
   */
  readonly policyFor?: (groupId: Uint8Array) => GroupPolicyInput | undefined;
  /**
   * Called when the crypto provider failed to forget a spent private key
   * (`CryptoProvider.forgetPrivateKey`, e.g. a key store that could not
   * delete a non-extractable key). The operation that spent the key has
   * succeeded (its state is stored) and is not failed by this; the key may
   * still be held by the provider, so forward secrecy for it depends on
   * deleting it otherwise (for `webCryptoProvider`, `deleteKeyHandle`
   * cannot help without the handle: retry the key store's cleanup). Without
   * this hook such failures go to `console.warn`.
   */
  readonly onKeyDeletionFailed?: (failure: KeyDeletionFailure) => void;
  /**
   * History sharing (README "History sharing"): the consent hook asked
   * before any past-epoch key leaves this client (absent: every request is
   * refused), how "same user" is decided, and how many epochs to retain for
   * sharing.
   */
  readonly historySharing?: HistorySharingOptions;
  /**
   * Fork detection and settlement for decentralised delivery (issue 16,
   * forks/): off unless given. Keeps the full state of the last
   * `retainEpochs` epochs (a forward-secrecy trade: README "Forks").
   */
  readonly forks?: ForkOptions;
}

/** A spent private key the crypto provider could not forget (see {@link ClientOptions.onKeyDeletionFailed}). */
export interface KeyDeletionFailure {
  /**
   * Why the key was spent: `superseded` (a leaf, path or Update key a new
   * epoch or a dropped Commit replaced), `key-package-consumed` (a
   * KeyPackage's init key after a join from a Welcome), `key-package-deleted`
   * ({@link Client.deleteKeyPackage}), `group-deleted`
   * ({@link Client.deleteGroup}), `unused` (a KeyPackage's init key that a
   * group creation never needed).
   */
  readonly reason: "superseded" | "key-package-consumed" | "key-package-deleted" | "group-deleted" | "unused";
  /** What `forgetPrivateKey` rejected with. */
  readonly error: unknown;
}

/** {@link ClientOptions.draftExtensions}: the draft-ietf-mls-extensions features this client supports. */
export interface DraftExtensionsOptions {
  /** SelfRemove (proposal type 0x000A): leave a group with one proposal any member commits. */
  readonly selfRemove?: boolean;
}

/** Options of {@link Client.createGroup}. */
export interface CreateGroupOptions {
  /** Default: a fresh random id. */
  readonly groupId?: Uint8Array;
  /** GroupContext extensions (§8.1). */
  readonly extensions?: readonly Extension[];
  /** This group's policy (default: the client's). */
  readonly policy?: GroupPolicyInput;
  /** The group's cipher suite (default: the client's); its signature scheme's key pair signs for this member. */
  readonly cipherSuite?: CipherSuiteId;
  /**
   * A KeyPackage this client created and still stores (its bytes, or what
   * {@link Client.createKeyPackage} returned): the creator's leaf is that
   * KeyPackage's LeafNode, with its encryption key (RFC 9420 §11 builds the
   * one-member tree from the creator's LeafNode), so the group starts with
   * the leaf the client published; the group's suite is the KeyPackage's.
   * Its init key opens no Welcome here: the KeyPackage is consumed as a join
   * would consume it (deleted from the store with the group's first write,
   * its init key forgotten), except a last-resort KeyPackage, which stays.
   * Withdraw it from the Delivery Service. Default: a fresh leaf.
   */
  readonly keyPackage?: Uint8Array | PublishedKeyPackage;
  /**
   * Enables SelfRemove (draft-ietf-mls-extensions, proposal type 0x000A) in
   * this group: the type goes into `required_capabilities` (kept with any
   * given in `extensions`), so every member must support it, and
   * {@link Group.leave} sends a SelfRemove. Needs
   * `draftExtensions: { selfRemove: true }` on the client (or capabilities
   * listing 0x000A). Default: false.
   */
  readonly selfRemove?: boolean;
}

/** Options of {@link Client.createKeyPackage}. */
export interface KeyPackageOptions {
  /** A last-resort KeyPackage may be used more than once (§10, §16.8). */
  readonly lastResort?: boolean;
  /** Validity from now, in seconds. */
  readonly lifetimeSeconds?: number;
  /** A KeyPackage for another suite, e.g. for a ReInit; signed with the key pair of that suite's signature scheme. */
  readonly cipherSuite?: CipherSuiteId;
}

/** A KeyPackage to publish. */
export interface PublishedKeyPackage {
  /** The KeyPackage as an MLSMessage (`mls_key_package`). */
  readonly keyPackage: Uint8Array;
  /** Its KeyPackageRef (§5.2). */
  readonly reference: Uint8Array;
}

/** Where {@link Client.joinFromWelcome} finds the group a ReInit or branch Welcome resumes. */
export type ResumedGroupInput = Group | GroupState | ((groupId: Uint8Array) => Group | GroupState | undefined | Promise<Group | GroupState | undefined>);

/** Options of {@link Client.joinFromWelcome}. */
export interface JoinOptions {
  /** The ratchet tree when the Welcome does not carry it. */
  readonly ratchetTree?: Uint8Array;
  readonly policy?: GroupPolicyInput;
  /**
   * The group a ReInit (§11.2) or branch (§11.3) Welcome resumes: a group,
   * a state, or a lookup by group id. Default: this client's groups (any
   * suite), looked up by the resumption PSK's group id. The Welcome is
   * checked against it (§12.4.3.1 last step) and the resumption PSK is read
   * from it.
   */
  readonly resumedGroup?: ResumedGroupInput;
  /**
   * Require a Welcome that resumes a group this way: exactly one resumption
   * PSK of usage `reinit` (§11.2) or `branch` (§11.3), whose group is found.
   */
  readonly expectResumption?: ResumptionKind;
}

/** Options of {@link Client.joinExternal}. */
export interface JoinExternalOptions {
  /** The ratchet tree when the GroupInfo does not carry it. */
  readonly ratchetTree?: Uint8Array;
  /** Rejoin a group this client is in, removing its old leaf in the same Commit (§12.4.3.2). */
  readonly resync?: boolean;
  /** External PSK ids to inject. */
  readonly psks?: readonly Uint8Array[];
  readonly authenticatedData?: Uint8Array;
  readonly policy?: GroupPolicyInput;
}

/** Options of {@link Client.reinitGroup} and {@link Client.branchGroup}. */
export interface SuccessorOptions {
  /** The new group's policy (default: the client's). */
  readonly policy?: GroupPolicyInput;
  /** Put the ratchet tree in the Welcome (default true). */
  readonly ratchetTreeInWelcome?: boolean;
}

/** What {@link Client.reinitGroup} and {@link Client.branchGroup} return. */
export interface SuccessorGroup {
  /** The new group, in epoch 1. */
  readonly group: Group;
  /** The Welcome for the other members (absent when nobody else was added). */
  readonly welcome?: Uint8Array;
}
