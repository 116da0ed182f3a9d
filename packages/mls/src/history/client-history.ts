/**
 * History and key sharing (issue 16): a member gives another device of the
 * same user — or, when the application approves, another member — the keys
 * to read past epochs of a group, scoped to an epoch range and to senders.
 *
 * What is shared, per epoch in range: the epoch's GroupContext and ratchet
 * tree (public: to verify the senders' signatures), its `sender_data_secret`
 * (§6.3.2: only locates the sender and generation) and, for each sender in
 * scope, that leaf's *application* ratchet as the sharer holds it (§9.1:
 * the ratchet secret at its next generation, and the unused keys of skipped
 * generations). Never the epoch's `encryption_secret`, a node of the secret
 * tree, a handshake ratchet, the membership key or any other epoch secret:
 * every leaf out of scope is handed over as an exhausted ratchet, which
 * reads nothing. See README "History sharing" for what can be shared when.
 */
import { bytesEqual, toHex, utf8 } from "@mlskit/codec";
import {
  type CipherSuiteProvider,
  type ClientStore,
  type IdentityProvider,
  UsageError,
  ValidationError,
  WireFormat,
  decryptWithLabel,
  encryptWithLabel,
  signWithLabel,
  verifyWithLabel,
} from "@mlskit/core";
import {
  type GroupPolicy,
  type GroupState,
  type PastEpoch,
  decodeKeyPackageMaterial,
  decodeMlsMessage,
  peekPrivateMessageHeader,
  decodePastEpoch,
  encodePastEpoch,
  keyPackageRef,
  processMessage,
  validateKeyPackage,
} from "@mlskit/group";
import { EXHAUSTED_GENERATION, type HashRatchetState, SecretTree, type SecretTreeState } from "@mlskit/key-schedule";
import type { LeafIndex, RatchetTree } from "@mlskit/ratchet-tree";
import type { ClientInternals } from "../client-internals.js";
import type { Group } from "../group.js";
import { applicationReceived } from "../group-incoming.js";
import type { MemberRef } from "../group-proposals.js";
import { decodeKeyPackageInput } from "../key-package-input.js";
import type { IncomingMessage } from "../results.js";
import {
  HISTORY_BUNDLE_VERSION,
  HISTORY_LABEL,
  type HistoryBundleHeader,
  decodeHistoryBundle,
  decodeHistoryPayload,
  encodeHistoryBundle,
  encodeHistoryHeader,
  encodeHistoryPayload,
  encodeHistoryTbs,
} from "./history-codec.js";
import { type HistoryKind, HistoryStore, historyRowId } from "./history-store.js";

/** How the recipient relates to the sharing member. */
export type HistoryRecipientRelation = "same-user" | "member";

/** What the application is asked to approve before any key leaves the client. */
export interface HistoryShareRequest {
  readonly groupId: Uint8Array;
  /** The recipient KeyPackage's identity (IdentityProvider.identity of its credential, validated). */
  readonly recipientIdentity: Uint8Array;
  readonly recipientKeyPackageRef: Uint8Array;
  /** `same-user`: another device of our user (`sameUser`); `member`: another user's client that is a member of the group now. */
  readonly relation: HistoryRecipientRelation;
  /** The epochs that would be shared, ascending. */
  readonly epochs: readonly bigint[];
  /** The senders in scope, per epoch. */
  readonly senders: readonly { readonly epoch: bigint; readonly leafIndex: number; readonly identity: Uint8Array }[];
}

/** The application's consent hook and settings of history sharing (`ClientOptions.historySharing`). */
export interface HistorySharingOptions {
  /**
   * Asked before anything is exported; true approves. Absent: every request
   * is refused. A recipient that is neither the same user nor a member of
   * the group is refused before this is asked.
   */
  readonly approve?: (request: HistoryShareRequest) => boolean | Promise<boolean>;
  /**
   * Whether two identities (IdentityProvider.identity) are the same user's.
   * Default: equal identities. Identities name clients in MLS (two clients
   * of one identity cannot both be members, §12.2), so an application with
   * several devices per user supplies this (e.g. compare the user part).
   */
  readonly sameUser?: (a: Uint8Array, b: Uint8Array) => boolean | Promise<boolean>;
  /**
   * Keep, for this many most recent epochs, a copy of each epoch's secret
   * tree as it was when the epoch began, so its messages can be shared after
   * this client read or sent them. Default 0: only what the live state still
   * holds can be shared. A forward-secrecy trade-off: see README.
   */
  readonly retainEpochs?: number;
}

/** Options of {@link Client.shareHistory}. */
export interface ShareHistoryOptions {
  /** The recipient's KeyPackage (MLSMessage or bare), of the group's suite: the bundle is encrypted to its init key. */
  readonly keyPackage: Uint8Array;
  /** The epoch range, inclusive; default every past epoch held. Only epochs before the current one are shared. */
  readonly epochs?: { readonly from?: bigint; readonly to?: bigint };
  /** The senders (leaf indexes, or identities, resolved in each epoch's tree); default every member of each epoch. */
  readonly senders?: readonly MemberRef[];
  /** Overrides the client's `historySharing.approve` for this call. */
  readonly approve?: (request: HistoryShareRequest) => boolean | Promise<boolean>;
}

/** Options of {@link Client.importHistory}. */
export interface ImportHistoryOptions {
  /** Keep the recipient KeyPackage after the import (default: deleted, a KeyPackage is single-use, §16.8). */
  readonly keepKeyPackage?: boolean;
}

/** What {@link Client.importHistory} imported. */
export interface ImportedHistory {
  readonly groupId: Uint8Array;
  readonly epochs: readonly bigint[];
  /** The leaves whose application messages can be read, per epoch. */
  readonly senders: readonly { readonly epoch: bigint; readonly leafIndex: number }[];
  /** The member that shared it, as our current tree shows it. */
  readonly sharedBy: { readonly leafIndex: number; readonly identity: Uint8Array };
}

/** What a {@link Group} calls on its client's history. @internal */
export interface GroupHistoryHooks {
  /** A state of a new epoch became current (a commit merged, or the group was created or joined). */
  epochStarted(state: GroupState): void;
  /** Reads a message of an imported epoch; undefined when the message is not one for the history. */
  read(state: GroupState, bytes: Uint8Array): Promise<IncomingMessage | undefined>;
}

/** A leaf index no member has: reading history, no leaf is "ours". */
const NO_LEAF = 0x7fffffff as LeafIndex;

const EXHAUSTED: HashRatchetState = { secret: undefined, generation: EXHAUSTED_GENERATION, skipped: [] };

function exhausted(r: HashRatchetState): boolean {
  return r.secret === undefined && r.skipped.length === 0;
}

function outOfScope(message: string): ValidationError {
  return new ValidationError("history/out-of-scope", "15.3", message);
}

/**
 * The secret tree of `source` cut to `leaves`: only their application
 * ratchets, every other ratchet exhausted, no node secret. `source` is not
 * modified (the leaves are derived on a copy).
 */
export async function scopedSecretTree(cs: CipherSuiteProvider, source: SecretTree, leaves: ReadonlySet<number>): Promise<SecretTreeState> {
  const copy = SecretTree.fromState(cs, source.exportState());
  for (const leaf of leaves) await copy.ratchet(leaf, "application");
  const derived = new Map(copy.exportState().leaves.map((l) => [l.leaf, l.application]));
  copy.wipe();
  const out = [];
  for (let leaf = 0; leaf < source.leafCount; leaf++) {
    out.push({ leaf, handshake: EXHAUSTED, application: leaves.has(leaf) ? (derived.get(leaf) ?? EXHAUSTED) : EXHAUSTED });
  }
  return { leafCount: source.leafCount, nodes: [], leaves: out };
}

/** A past epoch with its secret tree replaced by `secretTree` and no membership key (never shared). */
function pastWith(cs: CipherSuiteProvider, past: PastEpoch, secretTree: SecretTreeState, policy: GroupPolicy): PastEpoch {
  return {
    epoch: past.epoch,
    framing: past.framing,
    tree: past.tree,
    senderDataSecret: past.senderDataSecret,
    membershipKey: new Uint8Array(cs.hashLength),
    secretTree: SecretTree.fromState(cs, secretTree, { policy: policy.ratchet }),
  };
}

async function identityOf(ip: IdentityProvider, tree: RatchetTree, leaf: number): Promise<Uint8Array | undefined> {
  const node = tree.leafNode(leaf as LeafIndex);
  return node === undefined ? undefined : ip.identity(node.credential);
}

/** The leaves of `tree` named by `senders` (all members when undefined). */
async function resolveSenders(ip: IdentityProvider, tree: RatchetTree, senders: readonly MemberRef[] | undefined): Promise<Map<number, Uint8Array>> {
  const out = new Map<number, Uint8Array>();
  for (const l of tree.leaves()) {
    const id = (await identityOf(ip, tree, l))!;
    const named =
      senders === undefined ||
      senders.some((s) => (typeof s === "number" ? s === l : bytesEqual(typeof s === "string" ? utf8(s) : s, id)));
    if (named) out.set(l, id);
  }
  return out;
}

/** The client side of history sharing: its stores, the retention of epochs, sharing and importing. @internal */
export class ClientHistory {
  readonly #storage: ClientStore;
  readonly #identityProvider: IdentityProvider;
  readonly #options: HistorySharingOptions;
  readonly #stores = new Map<string, Promise<HistoryStore>>();
  /** Retention writes in flight (awaited before sharing). */
  #pending: Promise<void> = Promise.resolve();
  #retentionError: unknown;

  constructor(storage: ClientStore, identityProvider: IdentityProvider, options: HistorySharingOptions = {}) {
    this.#storage = storage;
    this.#identityProvider = identityProvider;
    this.#options = options;
    const keep = options.retainEpochs ?? 0;
    if (!Number.isSafeInteger(keep) || keep < 0) throw new UsageError("usage/invalid-argument", "historySharing.retainEpochs must be a non-negative integer");
  }

  /** The hooks a {@link Group} calls. */
  get hooks(): GroupHistoryHooks {
    return { epochStarted: (s) => this.#epochStarted(s), read: (s, b) => this.#read(s, b) };
  }

  #store(kind: HistoryKind, state: Pick<GroupState, "cs" | "policy" | "groupContext">): Promise<HistoryStore> {
    const key = `${kind}:${toHex(state.groupContext.groupId)}`;
    let p = this.#stores.get(key);
    if (p === undefined) {
      p = HistoryStore.load(this.#storage, kind, state.groupContext.groupId, state.cs, state.policy);
      p.catch(() => this.#stores.delete(key));
      this.#stores.set(key, p);
    }
    return p;
  }

  /** Retention: a copy of the new epoch's secret tree, taken now, written in the background (awaited by the next share). */
  #epochStarted(state: GroupState): void {
    const keep = this.#options.retainEpochs ?? 0;
    if (keep === 0) return;
    const epoch = state.groupContext.epoch;
    const copy: PastEpoch = {
      epoch,
      framing: state.framing,
      tree: state.tree,
      senderDataSecret: state.keys.senderDataSecret.slice(),
      membershipKey: new Uint8Array(state.cs.hashLength),
      secretTree: SecretTree.fromState(state.cs, state.secretTree.exportState(), { policy: state.policy.ratchet }),
    };
    const write = async () => {
      const store = await this.#store("retained", state);
      await store.queue.run(async () => {
        store.put(copy);
        if (epoch >= BigInt(keep)) store.dropBefore(epoch - BigInt(keep) + 1n);
        await store.write();
      });
    };
    this.#pending = this.#pending.then(write).catch((e: unknown) => void (this.#retentionError = e));
  }

  /** Waits for retention writes; throws the first that failed. */
  async #settled(): Promise<void> {
    await this.#pending;
    if (this.#retentionError !== undefined) {
      const e = this.#retentionError;
      this.#retentionError = undefined;
      throw e;
    }
  }

  /** Reads a message of an epoch the live state no longer (or never) held, from the imported history. */
  async #read(state: GroupState, bytes: Uint8Array): Promise<IncomingMessage | undefined> {
    // Cheap exit for the messages of the live epochs (the hot path): the header only.
    const peeked = peekPrivateMessageHeader(bytes);
    if (peeked === undefined || peeked.epoch >= state.groupContext.epoch || state.pastEpochs.some((p) => p.epoch === peeked.epoch)) return undefined;
    let epoch: bigint;
    try {
      const m = decodeMlsMessage(bytes);
      if (m.wireFormat !== WireFormat.mls_private_message || !bytesEqual(m.privateMessage.groupId, state.groupContext.groupId)) return undefined;
      epoch = m.privateMessage.epoch;
    } catch {
      return undefined; // the normal path reports it
    }
    if (epoch >= state.groupContext.epoch || state.pastEpochs.some((p) => p.epoch === epoch)) return undefined;
    const store = await this.#store("imported", state);
    if (store.epochs.size === 0) return undefined;
    const past = store.epochs.get(epoch);
    if (past === undefined) throw outOfScope(`no history of epoch ${epoch} was imported for this group`);
    const view: GroupState = { ...state, ownLeaf: NO_LEAF, pastEpochs: [past] };
    let r;
    try {
      r = await processMessage(view, bytes);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === "string" && code.startsWith("secret-tree/")) {
        throw outOfScope(`the imported history of epoch ${epoch} holds no key for this message (another sender, or a generation already read): ${(e as Error).message}`);
      }
      throw e;
    }
    if (r.kind !== "application") throw outOfScope("only application messages are read from history");
    // The generation read is consumed: stored before the message leaves.
    await store.queue.run(() => store.write());
    return applicationReceived(view, this.#identityProvider, r);
  }

  /** Builds a history bundle for the recipient KeyPackage (see {@link Client.shareHistory}). */
  async share(group: Group, options: ShareHistoryOptions): Promise<Uint8Array> {
    await this.#settled();
    const state = group.state;
    const { cs, groupContext } = state;
    const ip = this.#identityProvider;

    // The recipient: a valid KeyPackage of the group's suite, the same user or a member.
    const keyPackage = decodeKeyPackageInput(options.keyPackage);
    const { identity: validated } = await validateKeyPackage(cs, keyPackage, { identityProvider: ip, version: groupContext.version });
    const recipientIdentity = validated.identity;
    const ownIdentity = (await identityOf(ip, state.tree, state.ownLeaf))!;
    const sameUser = this.#options.sameUser ?? ((a: Uint8Array, b: Uint8Array) => bytesEqual(a, b));
    let relation: HistoryRecipientRelation;
    if (await sameUser(ownIdentity, recipientIdentity)) relation = "same-user";
    else if ((await resolveSenders(ip, state.tree, [recipientIdentity])).size > 0) relation = "member";
    else throw new UsageError("history/recipient-not-allowed", "the recipient is neither another device of this user nor a member of the group: history is never shared with it");

    // The epochs: retained copies first (whole epochs), else the live past epochs, else imported history (what is left of each).
    const from = options.epochs?.from ?? 0n;
    const to = options.epochs?.to ?? groupContext.epoch - 1n;
    if (to >= groupContext.epoch) throw new UsageError("history/nothing-to-share", `epoch ${to} is not past: only epochs before the current one (${groupContext.epoch}) are shared`);
    const retained = this.#options.retainEpochs ? await this.#store("retained", state) : undefined;
    const imported = await this.#store("imported", state);
    const sources = new Map<bigint, PastEpoch>();
    for (const p of imported.epochs.values()) sources.set(p.epoch, p);
    for (const p of state.pastEpochs) sources.set(p.epoch, p);
    for (const p of retained?.epochs.values() ?? []) sources.set(p.epoch, p);
    const epochs = [...sources.keys()].filter((e) => e >= from && e <= to).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (epochs.length === 0) throw new UsageError("history/nothing-to-share", `this client holds no epoch in [${from}, ${to}] of the group`);

    const senders: { epoch: bigint; leafIndex: number; identity: Uint8Array }[] = [];
    const scopes = new Map<bigint, Set<number>>();
    for (const e of epochs) {
      const scope = await resolveSenders(ip, sources.get(e)!.tree, options.senders);
      scopes.set(e, new Set(scope.keys()));
      for (const [leafIndex, identity] of scope) senders.push({ epoch: e, leafIndex, identity });
    }

    // Consent: nothing is exported without it; the default refuses.
    const recipientRef = await keyPackageRef(cs, keyPackage);
    const approve = options.approve ?? this.#options.approve;
    const request: HistoryShareRequest = { groupId: groupContext.groupId.slice(), recipientIdentity, recipientKeyPackageRef: recipientRef, relation, epochs, senders };
    if (approve === undefined || (await approve(request)) !== true) {
      throw new UsageError("history/not-approved", "the application did not approve sharing this history (historySharing.approve)");
    }

    const records: Uint8Array[] = [];
    for (const e of epochs) {
      const source = sources.get(e)!;
      const scoped = pastWith(cs, source, await scopedSecretTree(cs, source.secretTree, scopes.get(e)!), state.policy);
      records.push(encodePastEpoch(scoped));
      scoped.secretTree.wipe();
    }
    const header: HistoryBundleHeader = {
      version: HISTORY_BUNDLE_VERSION,
      cipherSuite: cs.suite.id,
      groupId: groupContext.groupId,
      firstEpoch: epochs[0]!,
      lastEpoch: epochs[epochs.length - 1]!,
      recipient: recipientRef,
      senderEpoch: groupContext.epoch,
      senderLeaf: state.ownLeaf,
    };
    const plaintext = encodeHistoryPayload(records);
    const payload = await encryptWithLabel(cs, keyPackage.initKey, HISTORY_LABEL, encodeHistoryHeader(header), plaintext);
    plaintext.fill(0);
    const signature = await signWithLabel(cs, state.signaturePrivateKey, HISTORY_LABEL, encodeHistoryTbs({ header, payload }));
    return encodeHistoryBundle({ header, payload, signature });
  }

  /** Verifies, decrypts and imports a bundle (see {@link Client.importHistory}). */
  async import(client: ClientInternals, bytes: Uint8Array, options: ImportHistoryOptions = {}): Promise<ImportedHistory> {
    const bundle = decodeHistoryBundle(bytes);
    const { header } = bundle;
    const ip = this.#identityProvider;

    // For us: one of our KeyPackages.
    const stored = await client.storage.getKeyPackage(header.recipient);
    if (stored === undefined) throw new ValidationError("history/wrong-recipient", "5.1.3", "the bundle is for a KeyPackage this client does not hold");
    // Of a group we are in.
    const group = await client.getGroup(header.groupId);
    if (group === undefined) throw new ValidationError("history/unknown-group", "6", "the bundle is for a group this client is not in");
    const state = group.state;
    const cs = state.cs;
    if (header.cipherSuite !== cs.suite.id) throw new ValidationError("history/invalid-bundle", "5.1.3", `a bundle of suite ${header.cipherSuite} for a group of suite ${cs.suite.id}`);

    // Signed by a member: the sender's leaf in the epoch it names, as our own state knows it.
    const senderTree = header.senderEpoch === state.groupContext.epoch ? state.tree : state.pastEpochs.find((p) => p.epoch === header.senderEpoch)?.tree;
    const senderLeaf = senderTree?.leafNode(header.senderLeaf as LeafIndex);
    if (senderTree === undefined || senderLeaf === undefined) {
      throw new ValidationError("history/sender-not-member", "5.1.2", `leaf ${header.senderLeaf} of epoch ${header.senderEpoch} is not a member this client knows`);
    }
    if (!(await verifyWithLabel(cs, senderLeaf.signatureKey, HISTORY_LABEL, encodeHistoryTbs(bundle), bundle.signature))) {
      throw new ValidationError("history/signature", "5.1.2", "the bundle's signature does not verify with the sender's signature key");
    }
    const sharedBy = { leafIndex: header.senderLeaf, identity: (await identityOf(ip, senderTree, header.senderLeaf))! };

    // Decrypt with the KeyPackage's init key.
    const material = decodeKeyPackageMaterial(stored.data);
    let plaintext: Uint8Array;
    try {
      plaintext = await decryptWithLabel(cs, material.initPrivateKey, HISTORY_LABEL, encodeHistoryHeader(header), bundle.payload);
    } catch (e) {
      throw new ValidationError("history/invalid-bundle", "5.1.3", "the bundle's payload does not decrypt with the recipient KeyPackage's init key", { cause: e });
    } finally {
      material.initPrivateKey.fill(0);
      material.encryptionPrivateKey.fill(0);
    }

    // The epochs: of this group, in the signed range, each with the sender a member.
    const records = decodeHistoryPayload(plaintext);
    plaintext.fill(0);
    const epochs: PastEpoch[] = [];
    const senders: { epoch: bigint; leafIndex: number }[] = [];
    for (const record of records) {
      let past: PastEpoch;
      try {
        past = await decodePastEpoch(record, cs, state.policy);
      } catch (e) {
        throw new ValidationError("history/invalid-bundle", "5.1.3", "an epoch of the bundle is malformed", { cause: e });
      }
      const gc = past.framing.groupContext;
      if (!bytesEqual(gc.groupId, header.groupId) || past.epoch < header.firstEpoch || past.epoch > header.lastEpoch || past.epoch >= state.groupContext.epoch) {
        throw new ValidationError("history/invalid-bundle", "5.1.3", `the bundle holds epoch ${past.epoch} of a group or range it was not signed for`);
      }
      if (epochs.some((p) => p.epoch === past.epoch)) throw new ValidationError("history/invalid-bundle", "5.1.3", `epoch ${past.epoch} twice`);
      if ((await resolveSenders(ip, past.tree, [sharedBy.identity])).size === 0) {
        throw new ValidationError("history/sender-not-member", "5.1.2", `the sender was not a member of epoch ${past.epoch}`);
      }
      const tree = past.secretTree.exportState();
      for (const l of tree.leaves) {
        if (exhausted(l.application)) continue;
        const leaf = past.tree.leafNode(l.leaf as LeafIndex);
        if (leaf === undefined) throw new ValidationError("history/invalid-bundle", "5.1.3", `keys for blank leaf ${l.leaf} of epoch ${past.epoch}`);
        // The senders' credentials are validated as the messages' would be.
        await ip.validateCredential({ credential: leaf.credential, signaturePublicKey: leaf.signatureKey, cipherSuite: cs.suite.id, context: { event: "welcome-tree", group: { groupId: gc.groupId, extensions: gc.extensions } } });
        senders.push({ epoch: past.epoch, leafIndex: l.leaf });
      }
      if (tree.nodes.length > 0 || tree.leaves.some((l) => !exhausted(l.handshake))) {
        throw new ValidationError("history/invalid-bundle", "5.1.3", `epoch ${past.epoch} carries more than application ratchets`);
      }
      epochs.push(past);
    }

    // Import: an epoch already imported keeps the ratchets the new bundle does not carry.
    const store = await this.#store("imported", state);
    await store.queue.run(async () => {
      for (const past of epochs) {
        const old = store.epochs.get(past.epoch);
        store.put(old === undefined ? past : merged(cs, old, past, state.policy));
      }
      await store.write();
    });
    if (options.keepKeyPackage !== true && !stored.lastResort) await client.storage.deleteKeyPackage(header.recipient);
    return { groupId: header.groupId, epochs: epochs.map((p) => p.epoch), senders, sharedBy };
  }

  /** Forgets a group's history (with the group). */
  async deleteGroup(groupId: Uint8Array): Promise<void> {
    await this.#pending;
    for (const kind of ["imported", "retained"] as const) {
      this.#stores.delete(`${kind}:${toHex(groupId)}`);
      await this.#storage.deleteGroup(historyRowId(kind, groupId));
    }
  }
}

/** An imported epoch with the ratchets of `next` where it has them, else those of `old`. */
function merged(cs: CipherSuiteProvider, old: PastEpoch, next: PastEpoch, policy: GroupPolicy): PastEpoch {
  const a = old.secretTree.exportState();
  const b = next.secretTree.exportState();
  if (a.leafCount !== b.leafCount) return next;
  const leaves = b.leaves.map((l, i) => (exhausted(l.application) ? a.leaves[i]! : l));
  return pastWith(cs, next, { leafCount: b.leafCount, nodes: [], leaves }, policy);
}
