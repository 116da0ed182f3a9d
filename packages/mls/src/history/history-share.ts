/**
 * The sharing side of history sharing: the recipient checked, the epochs
 * held in range gathered per branch, the application's consent asked, and
 * the bundle built (each epoch's secret tree cut to the senders in scope),
 * encrypted to the recipient KeyPackage and signed.
 */
import { bytesEqual, toHex } from "@mlskit/codec";
import { type IdentityProvider, UsageError, encryptWithLabel, signWithLabel, expectDefined } from "@mlskit/core";
import { type GroupState, type PastEpoch, encodePastEpoch, keyPackageRef, validateKeyPackage } from "@mlskit/group";
import { decodeKeyPackageInput } from "../key-package-input.js";
import {
  HISTORY_BUNDLE_VERSION,
  HISTORY_LABEL,
  type HistoryBundleHeader,
  encodeHistoryBundle,
  encodeHistoryHeader,
  encodeHistoryPayload,
  encodeHistoryTbs,
} from "./history-codec.js";
import { branchOf } from "./history-store.js";
import { type HistoryStores, compareEpochs, identityOf, ownBranch, pastWith, resolveSenders, scopedSecretTree } from "./history-scope.js";
import type { HistoryRecipientRelation, HistoryShareRequest, HistorySharingOptions, ShareHistoryOptions } from "./history-types.js";

/** Builds a history bundle of `state` for the recipient KeyPackage (see {@link Client.shareHistory}); retention writes already settled. */
export async function buildHistoryBundle(
  ip: IdentityProvider,
  settings: HistorySharingOptions,
  stores: HistoryStores,
  state: GroupState,
  options: ShareHistoryOptions,
): Promise<Uint8Array> {
  const { cs, groupContext } = state;

  // The recipient: a valid KeyPackage of the group's suite, the same user or a member.
  const keyPackage = decodeKeyPackageInput(options.keyPackage);
  const { identity: validated } = await validateKeyPackage(cs, keyPackage, { identityProvider: ip, version: groupContext.version });
  const recipientIdentity = validated.identity;
  const ownIdentity = expectDefined(await identityOf(ip, state.tree, state.ownLeaf), "(await identityOf(ip, state.tree, state.ownLeaf))");
  const sameUser = settings.sameUser ?? ((a: Uint8Array, b: Uint8Array) => bytesEqual(a, b));
  let relation: HistoryRecipientRelation;
  if (await sameUser(ownIdentity, recipientIdentity)) relation = "same-user";
  else if ((await resolveSenders(ip, state.tree, [recipientIdentity])).size > 0) relation = "member";
  else throw new UsageError("history/recipient-not-allowed", "the recipient is neither another device of this user nor a member of the group: history is never shared with it");

  // The epochs, per branch: retained copies first (whole epochs), else the live past epochs, else imported history (what is left of each).
  // Never the live epoch; every branch held (one left by a fork included) otherwise.
  const from = options.epochs?.from ?? 0n;
  const to = options.epochs?.to;
  const retained = settings.retainEpochs ? await stores("retained", state) : undefined;
  const imported = await stores("imported", state);
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
  const approve = options.approve ?? settings.approve;
  const branches = sources.map(({ epoch, branch }) => ({ epoch, branch: branch.slice(), current: onCurrentBranch(epoch, branch) }));
  const request: HistoryShareRequest = { groupId: groupContext.groupId.slice(), recipientIdentity, recipientKeyPackageRef: recipientRef, relation, epochs, branches, senders };
  if (approve === undefined || (await approve(request)) !== true) {
    throw new UsageError("history/not-approved", "the application did not approve sharing this history (historySharing.approve)");
  }

  const records: Uint8Array[] = [];
  for (const [i, { past }] of sources.entries()) {
    const scoped = pastWith(cs, past, await scopedSecretTree(cs, past.secretTree, expectDefined(scopes[i], "scopes[i]")), state.policy);
    records.push(encodePastEpoch(scoped));
    scoped.secretTree.wipe();
  }
  const header: HistoryBundleHeader = {
    version: HISTORY_BUNDLE_VERSION,
    cipherSuite: cs.suite.id,
    groupId: groupContext.groupId,
    firstEpoch: expectDefined(epochs[0], "epochs[0]"),
    lastEpoch: expectDefined(epochs[epochs.length - 1], "epochs[epochs.length - 1]"),
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
