/** Storing and loading whole states (current state and past-epoch records) in tests (excluded from the build). */
import type { CipherSuiteProvider } from "@mlskit/core";
import { services } from "../group.fixture.js";
import { type GroupPolicyInput, groupPolicy } from "../policy/group-policy.js";
import type { GroupState } from "./group-state.js";
import { type GroupStateEnvironment, decodeGroupState, encodeGroupState } from "./group-state-codec.js";
import { decodePastEpoch, encodePastEpoch } from "./past-epoch-codec.js";

/** A state as the storage layer holds it: the state blob and its past-epoch records, newest first. */
export interface StoredState {
  readonly state: Uint8Array;
  readonly pastEpochs: readonly Uint8Array[];
}

export function store(state: GroupState): StoredState {
  return { state: encodeGroupState(state), pastEpochs: state.pastEpochs.map(encodePastEpoch) };
}

export function environment(cs: CipherSuiteProvider, policy: GroupPolicyInput = {}): GroupStateEnvironment {
  return { cs, policy: groupPolicy(policy), services };
}

export async function load(stored: StoredState, env: GroupStateEnvironment): Promise<GroupState> {
  const pastEpochs = await Promise.all(stored.pastEpochs.map((b) => decodePastEpoch(b, env.cs, env.policy)));
  return decodeGroupState(stored.state, env, pastEpochs);
}
