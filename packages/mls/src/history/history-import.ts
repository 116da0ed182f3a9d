/**
 * The importing side of history sharing: a bundle for one of our
 * KeyPackages, of a group we are in, signed by a member, decrypted, each
 * epoch checked against the signed header and carrying only application
 * ratchets, then merged into the group's imported history.
 */
import { bytesEqual } from "@mlskit/codec";
import { type IdentityProvider, ValidationError, decryptWithLabel, verifyWithLabel, expectDefined } from "@mlskit/core";
import { type PastEpoch, decodeKeyPackageMaterial, decodePastEpoch } from "@mlskit/group";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import type { ClientInternals } from "../client-internals.js";
import { decodeHistoryBundle, decodeHistoryPayload, encodeHistoryHeader, encodeHistoryTbs, HISTORY_LABEL } from "./history-codec.js";
import { branchOf } from "./history-store.js";
import { type HistoryStores, exhausted, identityOf, merged, resolveSenders } from "./history-scope.js";
import type { ImportHistoryOptions, ImportedHistory } from "./history-types.js";

/** Verifies, decrypts and imports a bundle (see {@link Client.importHistory}). */
export async function importHistoryBundle(
  ip: IdentityProvider,
  stores: HistoryStores,
  client: ClientInternals,
  bytes: Uint8Array,
  options: ImportHistoryOptions = {},
): Promise<ImportedHistory> {
  const bundle = decodeHistoryBundle(bytes);
  const { header } = bundle;

  // For us: one of our KeyPackages.
  const stored = await client.storage.getKeyPackage(header.recipient);
  if (stored === undefined) throw new ValidationError("history/wrong-recipient", "5.1.3", "the bundle is for a KeyPackage this client does not hold");
  // Of a group we are in.
  const group = await client.getGroup(header.groupId);
  if (group === undefined) throw new ValidationError("history/unknown-group", "6", "the bundle is for a group this client is not in");
  const state = group.state;
  const cs = state.cs;
  if (header.cipherSuite !== cs.suite.id)
    throw new ValidationError("history/invalid-bundle", "5.1.3", `a bundle of suite ${header.cipherSuite} for a group of suite ${cs.suite.id}`);

  // Signed by a member: the sender's leaf in the epoch it names, as our own state knows it.
  const senderTree = header.senderEpoch === state.groupContext.epoch ? state.tree : state.pastEpochs.find((p) => p.epoch === header.senderEpoch)?.tree;
  const senderLeaf = senderTree?.leafNode(header.senderLeaf as LeafIndex);
  if (senderTree === undefined || senderLeaf === undefined) {
    throw new ValidationError("history/sender-not-member", "5.1.2", `leaf ${header.senderLeaf} of epoch ${header.senderEpoch} is not a member this client knows`);
  }
  if (!(await verifyWithLabel(cs, senderLeaf.signatureKey, HISTORY_LABEL, encodeHistoryTbs(bundle), bundle.signature))) {
    throw new ValidationError("history/signature", "5.1.2", "the bundle's signature does not verify with the sender's signature key");
  }
  const sharedBy = {
    leafIndex: header.senderLeaf,
    identity: expectDefined(await identityOf(ip, senderTree, header.senderLeaf), "(await identityOf(ip, senderTree, header.senderLeaf))"),
  };

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
  if (records.length !== header.epochs.length)
    throw new ValidationError("history/invalid-bundle", "5.1.3", `the bundle holds ${records.length} epochs, its header names ${header.epochs.length}`);
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
    const named = expectDefined(header.epochs[i], "header.epochs[i]");
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
    if (epochs.some((p) => p.epoch === past.epoch && bytesEqual(branchOf(p), branch)))
      throw new ValidationError("history/invalid-bundle", "5.1.3", `epoch ${past.epoch} of one branch twice`);
    if ((await resolveSenders(ip, past.tree, [sharedBy.identity])).size === 0) {
      throw new ValidationError("history/sender-not-member", "5.1.2", `the sender was not a member of epoch ${past.epoch}`);
    }
    const tree = past.secretTree.exportState();
    for (const l of tree.leaves) {
      if (exhausted(l.application)) continue;
      const leaf = past.tree.leafNode(l.leaf as LeafIndex);
      if (leaf === undefined) throw new ValidationError("history/invalid-bundle", "5.1.3", `keys for blank leaf ${l.leaf} of epoch ${past.epoch}`);
      // The senders' credentials are validated as the messages' would be.
      await ip.validateCredential({
        credential: leaf.credential,
        signaturePublicKey: leaf.signatureKey,
        cipherSuite: cs.suite.id,
        context: { event: "welcome-tree", group: { groupId: gc.groupId, extensions: gc.extensions } },
      });
      senders.push({ epoch: past.epoch, branch: branch.slice(), leafIndex: l.leaf });
    }
    if (tree.nodes.length > 0 || tree.leaves.some((l) => !exhausted(l.handshake))) {
      throw new ValidationError("history/invalid-bundle", "5.1.3", `epoch ${past.epoch} carries more than application ratchets`);
    }
    epochs.push(past);
  }

  // Import: an epoch already imported keeps the ratchets the new bundle does not carry.
  const store = await stores("imported", state);
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
