/**
 * The history a new epoch inherits from the previous one, exactly as
 * `enterEpoch` (group-state.ts) builds it: the previous epoch becomes the
 * first past epoch (sharing its framing context, secret tree and tree), the
 * ring is cut to `policy.pastEpochs`, and the previous epoch's resumption
 * PSK joins the kept ones, the oldest dropped past `policy.resumptionPsks`
 * (RFC 9420 §8.6, §15.3). A pending Commit's state is stored without this
 * history and rebuilt with it from the current state on decoding.
 */
import type { GroupPolicy } from "../policy/group-policy.js";
import type { GroupState, PastEpoch } from "./group-state.js";
import { expectDefined } from "@mlskit/core";

/** What a state entering the epoch after `prev` keeps of its past. */
export interface EpochHistory {
  readonly pastEpochs: readonly PastEpoch[];
  readonly resumptionPsks: ReadonlyMap<bigint, Uint8Array>;
}

/** The history of the epoch following `prev` under `policy` (mirrors `enterEpoch`; `prev` is not modified). */
export function historyAfter(prev: GroupState, policy: GroupPolicy): EpochHistory {
  let pastEpochs: PastEpoch[] = [];
  if (policy.pastEpochs > 0) {
    pastEpochs = [
      {
        epoch: prev.groupContext.epoch,
        framing: prev.framing,
        secretTree: prev.secretTree,
        senderDataSecret: prev.keys.senderDataSecret,
        membershipKey: prev.keys.membershipKey,
        tree: prev.tree,
      },
      ...prev.pastEpochs,
    ].slice(0, policy.pastEpochs);
  }
  const resumptionPsks = new Map(prev.resumptionPsks);
  resumptionPsks.set(prev.groupContext.epoch, prev.keys.resumptionPsk);
  while (resumptionPsks.size > policy.resumptionPsks) resumptionPsks.delete(expectDefined(resumptionPsks.keys().next().value, "resumptionPsks.keys().next().value"));
  return { pastEpochs, resumptionPsks };
}
