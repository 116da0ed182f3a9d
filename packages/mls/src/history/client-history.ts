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
 *
 * Branch-aware: after a fork (forks/), two branches hold epochs of the same
 * number. An epoch is identified by (epoch, branch), the branch being its
 * confirmed transcript hash (`branchOf`), bound in the bundle's signed
 * header. A message of an epoch this member holds, which its own keys do
 * not read (sent on a losing branch), is tried against the imported epochs
 * of that number on other branches; a message of an epoch it does not hold
 * against every imported branch of that number. Retention keeps the copies
 * of a branch this member left by a rollback, so it can share them.
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
  ContentType,
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
import { type HistoryKind, HistoryStore, branchOf, historyRowId } from "./history-store.js";

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
  /** The epoch numbers that would be shared, ascending (an epoch of two branches once). */
  readonly epochs: readonly bigint[];
  /** Each epoch with its branch (the epoch's confirmed transcript hash); `current` when it is on the branch the sharer is on now. */
  readonly branches: readonly { readonly epoch: bigint; readonly branch: Uint8Array; readonly current: boolean }[];
  /** The senders in scope, per epoch (and branch). */
  readonly senders: readonly { readonly epoch: bigint; readonly branch: Uint8Array; readonly leafIndex: number; readonly identity: Uint8Array }[];
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
  /**
   * The epoch range, inclusive; default every epoch held. The current epoch
   * of the branch the sharer is on is never shared; every other held epoch
   * in range is, of every branch held (a branch left by a fork included,
   * even past the current epoch number).
   */
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
  /** Each epoch imported with its branch (its confirmed transcript hash). */
  readonly branches: readonly { readonly epoch: bigint; readonly branch: Uint8Array }[];
  /** The leaves whose application messages can be read, per epoch (and branch). */
  readonly senders: readonly { readonly epoch: bigint; readonly branch: Uint8Array; readonly leafIndex: number }[];
  /** The member that shared it, as our current tree shows it. */
  readonly sharedBy: { readonly leafIndex: number; readonly identity: Uint8Array };
}

/** What a {@link Group} calls on its client's history. @internal */
export interface GroupHistoryHooks {
  /** A state of a new epoch became current (a commit merged, or the group was created or joined). */
  epochStarted(state: GroupState): void;
  /** Reads a message of an imported epoch; undefined when the message is not one for the history. */
  read(state: GroupState, bytes: Uint8Array): Promise<IncomingMessage | undefined>;
  /**
   * After the group refused a message of an epoch it holds (or buffered
   * none): reads it from an imported epoch of that number on another branch;
   * undefined when none reads it (the group's error stands).
   */
  readOtherBranch(state: GroupState, bytes: Uint8Array): Promise<IncomingMessage | undefined>;
}

/** The branch (confirmed transcript hash) this member's state holds epoch `epoch` on, when it holds it. */
function ownBranch(state: GroupState, epoch: bigint): Uint8Array | undefined {
  if (epoch === state.groupContext.epoch) return state.groupContext.confirmedTranscriptHash;
  return state.pastEpochs.find((p) => p.epoch === epoch)?.framing.groupContext.confirmedTranscriptHash;
}

function compareEpochs(a: { epoch: bigint; branch: Uint8Array }, b: { epoch: bigint; branch: Uint8Array }): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return toHex(a.branch) < toHex(b.branch) ? -1 : toHex(a.branch) > toHex(b.branch) ? 1 : 0;
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
    return { epochStarted: (s) => this.#epochStarted(s), read: (s, b) => this.#read(s, b), readOtherBranch: (s, b) => this.#readOtherBranch(s, b) };
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

  /**
   * Retention: a copy of the new epoch's secret tree, taken now, written in
   * the background (awaited by the next share). Copies are kept per branch:
   * after a rollback (forks/) the copies of the branch left stay beside the
   * winning branch's, until the current epoch is `retainEpochs` past them.
   */
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

  /** Reads a message of an epoch the live state does not hold, from the imported history (every branch of that epoch number). */
  async #read(state: GroupState, bytes: Uint8Array): Promise<IncomingMessage | undefined> {
    // Cheap exit for the messages of the live epochs (the hot path): the header only.
    const peeked = peekPrivateMessageHeader(bytes);
    // Only application messages are read from history: a handshake message goes on (e.g. to fork detection).
    if (peeked === undefined || peeked.contentType !== ContentType.application || ownBranch(state, peeked.epoch) !== undefined) return undefined;
    let epoch: bigint;
    try {
      const m = decodeMlsMessage(bytes);
      if (m.wireFormat !== WireFormat.mls_private_message || !bytesEqual(m.privateMessage.groupId, state.groupContext.groupId)) return undefined;
      epoch = m.privateMessage.epoch;
    } catch {
      return undefined; // the normal path reports it
    }
    const store = await this.#store("imported", state);
    if (store.epochs.size === 0) return undefined;
    const candidates = store.ofEpoch(epoch);
    if (epoch > state.groupContext.epoch) {
      // An epoch ahead of ours: only a branch we are not on can have it; else the group holds (or refuses) it.
      if (candidates.length === 0) return undefined;
      return this.#readFrom(state, store, candidates, bytes).catch(() => undefined);
    }
    if (candidates.length === 0) throw outOfScope(`no history of epoch ${epoch} was imported for this group`);
    return this.#readFrom(state, store, candidates, bytes);
  }

  async #readOtherBranch(state: GroupState, bytes: Uint8Array): Promise<IncomingMessage | undefined> {
    const peeked = peekPrivateMessageHeader(bytes);
    if (peeked === undefined || peeked.contentType !== ContentType.application) return undefined;
    const own = ownBranch(state, peeked.epoch);
    if (own === undefined && peeked.epoch < state.groupContext.epoch) return undefined; // #read had its chance
    const store = await this.#store("imported", state);
    const candidates = store.ofEpoch(peeked.epoch).filter((p) => own === undefined || !bytesEqual(branchOf(p), own));
    if (candidates.length === 0) return undefined;
    return this.#readFrom(state, store, candidates, bytes).catch(() => undefined);
  }

  /**
   * Tries the imported epochs `candidates` (one epoch number, one per
   * branch): a branch that is not the message's fails to decrypt its sender
   * data. The generation read is consumed and stored before the message leaves.
   * @throws ValidationError `history/out-of-scope` when none reads it.
   */
  async #readFrom(state: GroupState, store: HistoryStore, candidates: readonly PastEpoch[], bytes: Uint8Array): Promise<IncomingMessage> {
    let keyless: Error | undefined;
    let last: unknown;
    for (const past of candidates) {
      // A view in which `past` is the one past epoch (whatever the live epoch number is).
      const view: GroupState = { ...state, groupContext: { ...state.groupContext, epoch: past.epoch + 1n }, ownLeaf: NO_LEAF, pastEpochs: [past], pendingCommit: undefined };
      let r;
      try {
        r = await processMessage(view, bytes);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (typeof code === "string" && code.startsWith("secret-tree/")) keyless = e as Error;
        else last = e;
        continue;
      }
      if (r.kind !== "application") throw outOfScope("only application messages are read from history");
      await store.queue.run(() => store.write());
      return applicationReceived(view, this.#identityProvider, r);
    }
    const epoch = candidates[0]!.epoch;
    if (keyless !== undefined) {
      throw outOfScope(`the imported history of epoch ${epoch} holds no key for this message (another sender, or a generation already read): ${keyless.message}`);
    }
    throw new ValidationError("history/out-of-scope", "15.3", `no imported history of epoch ${epoch} is of this message's branch (${candidates.length} branch(es) tried)`, { cause: last });
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

    // The epochs, per branch: retained copies first (whole epochs), else the live past epochs, else imported history (what is left of each).
    // Never the live epoch; every branch held (one left by a fork included) otherwise.
    const from = options.epochs?.from ?? 0n;
    const to = options.epochs?.to;
    const retained = this.#options.retainEpochs ? await this.#store("retained", state) : undefined;
    const imported = await this.#store("imported", state);
    const held = new Map<string, PastEpoch>();
    const idOf = (p: PastEpoch) => `${p.epoch}:${toHex(branchOf(p))}`;
    for (const p of imported.all()) held.set(idOf(p), p);
    for (const p of state.pastEpochs) held.set(idOf(p), p);
    for (const p of retained?.all() ?? []) held.set(idOf(p), p);
    const live = (p: PastEpoch) => p.epoch === groupContext.epoch && bytesEqual(branchOf(p), groupContext.confirmedTranscriptHash);
    const sources = [...held.values()]
      .filter((p) => !live(p) && p.epoch >= from && (to === undefined || p.epoch <= to))
      .map((p) => ({ epoch: p.epoch, branch: branchOf(p), past: p }))
      .sort(compareEpochs);
    if (sources.length === 0) throw new UsageError("history/nothing-to-share", `this client holds no epoch in [${from}, ${to ?? "any"}] of the group but the current one`);
    const onCurrentBranch = (e: bigint, branch: Uint8Array) => {
      const own = ownBranch(state, e);
      return own !== undefined && bytesEqual(own, branch);
    };

    const senders: { epoch: bigint; branch: Uint8Array; leafIndex: number; identity: Uint8Array }[] = [];
    const scopes: Set<number>[] = [];
    for (const { epoch, branch, past } of sources) {
      const scope = await resolveSenders(ip, past.tree, options.senders);
      scopes.push(new Set(scope.keys()));
      for (const [leafIndex, identity] of scope) senders.push({ epoch, branch: branch.slice(), leafIndex, identity });
    }
    const epochs = [...new Set(sources.map((x) => x.epoch))];

    // Consent: nothing is exported without it; the default refuses.
    const recipientRef = await keyPackageRef(cs, keyPackage);
    const approve = options.approve ?? this.#options.approve;
    const branches = sources.map(({ epoch, branch }) => ({ epoch, branch: branch.slice(), current: onCurrentBranch(epoch, branch) }));
    const request: HistoryShareRequest = { groupId: groupContext.groupId.slice(), recipientIdentity, recipientKeyPackageRef: recipientRef, relation, epochs, branches, senders };
    if (approve === undefined || (await approve(request)) !== true) {
      throw new UsageError("history/not-approved", "the application did not approve sharing this history (historySharing.approve)");
    }

    const records: Uint8Array[] = [];
    for (const [i, { past }] of sources.entries()) {
      const scoped = pastWith(cs, past, await scopedSecretTree(cs, past.secretTree, scopes[i]!), state.policy);
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
      epochs: sources.map(({ epoch, branch }) => ({ epoch, branch })),
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
    if (records.length !== header.epochs.length) throw new ValidationError("history/invalid-bundle", "5.1.3", `the bundle holds ${records.length} epochs, its header names ${header.epochs.length}`);
    const epochs: PastEpoch[] = [];
    const senders: { epoch: bigint; branch: Uint8Array; leafIndex: number }[] = [];
    for (const [i, record] of records.entries()) {
      let past: PastEpoch;
      try {
        past = await decodePastEpoch(record, cs, state.policy);
      } catch (e) {
        throw new ValidationError("history/invalid-bundle", "5.1.3", "an epoch of the bundle is malformed", { cause: e });
      }
      const gc = past.framing.groupContext;
      const branch = branchOf(past);
      const named = header.epochs[i]!;
      if (!bytesEqual(gc.groupId, header.groupId) || past.epoch < header.firstEpoch || past.epoch > header.lastEpoch) {
        throw new ValidationError("history/invalid-bundle", "5.1.3", `the bundle holds epoch ${past.epoch} of a group or range it was not signed for`);
      }
      // The branch: the record is the (epoch, branch) the signed header names.
      if (named.epoch !== past.epoch || !bytesEqual(named.branch, branch)) {
        throw new ValidationError("history/invalid-bundle", "5.1.3", `the bundle holds epoch ${past.epoch} of a branch its signed header does not name`);
      }
      // Never our live epoch.
      if (past.epoch === state.groupContext.epoch && bytesEqual(branch, state.groupContext.confirmedTranscriptHash)) {
        throw new ValidationError("history/invalid-bundle", "5.1.3", `the bundle holds epoch ${past.epoch}, this client's live epoch`);
      }
      if (epochs.some((p) => p.epoch === past.epoch && bytesEqual(branchOf(p), branch))) throw new ValidationError("history/invalid-bundle", "5.1.3", `epoch ${past.epoch} of one branch twice`);
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
        senders.push({ epoch: past.epoch, branch: branch.slice(), leafIndex: l.leaf });
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
        const old = store.find(past.epoch, branchOf(past));
        store.put(old === undefined ? past : merged(cs, old, past, state.policy));
      }
      await store.write();
    });
    if (options.keepKeyPackage !== true && !stored.lastResort) await client.storage.deleteKeyPackage(header.recipient);
    return {
      groupId: header.groupId,
      epochs: [...new Set(epochs.map((p) => p.epoch))],
      branches: epochs.map((p) => ({ epoch: p.epoch, branch: branchOf(p).slice() })),
      senders,
      sharedBy,
    };
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
