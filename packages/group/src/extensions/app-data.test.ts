/**
 * AppDataUpdate and the app_data_dictionary (draft-ietf-mls-extensions,
 * proposal type 0x0008, extension type 0x0006) with the application's hook:
 * each broken rule is a typed error that leaves the receiver unchanged.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CodecError, decode, encode, opaque, struct, toHex, uint32, vector } from "@mlskit/codec";
import { type CipherSuiteProvider, type Extension, ProposalType, ValidationError } from "@mlskit/core";
import { type Commit, type ProposalOrRef, ProposalOrRefType } from "../commit/commit.js";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { ContentType } from "../framing/content-type.js";
import { client, deliver, join, kpOf, newGroup } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { defaultCapabilities } from "../leaf-nodes/capabilities.js";
import type { GroupPolicyInput } from "../policy/group-policy.js";
import { createProposal, frameHandshake } from "../proposals/proposal-create.js";
import { type Proposal, proposalCodec } from "../proposals/proposal.js";
import { processMessage } from "../receive/message-process.js";
import type { GroupState } from "../state/group-state.js";
import {
  APP_DATA_DICTIONARY_EXTENSION_TYPE,
  APP_DATA_UPDATE_PROPOSAL_TYPE,
  appDataDictionaryCodec,
  appDataOf,
  appDataUpdateProposal,
  withAppDataUpdateRequired,
} from "./app-data.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

let cs: CipherSuiteProvider;
let alice: GroupState; // leaf 0
let bob: GroupState; // leaf 1
let plainAlice: GroupState;
let plainBob: GroupState;
const seen: { componentId: number; current: string | undefined; updates: string[]; senders: number }[] = [];

/** Component 1 appends its updates; component 2 refuses "no"; 9 is unknown. */
const policy: GroupPolicyInput = {
  appData: {
    components: [1, 2],
    update(componentId, current, updates, context) {
      seen.push({ componentId, current: current === undefined ? undefined : text(current), updates: updates.map(text), senders: context.senders.length });
      if (updates.some((u) => text(u) === "no")) return undefined;
      return bytes((current === undefined ? "" : text(current)) + updates.map(text).join(""));
    },
  },
};

beforeAll(async () => {
  cs = await noblecs();
  const capabilities = defaultCapabilities({ cipherSuites: [cs.suite.id], proposals: [APP_DATA_UPDATE_PROPOSAL_TYPE], extensions: [APP_DATA_DICTIONARY_EXTENSION_TYPE] });
  const [a, b] = await Promise.all([client(cs, "alice", { capabilities }), client(cs, "bob", { capabilities })]);
  const commit = await createCommit(await newGroup(cs, a, policy, withAppDataUpdateRequired([])), { proposals: [{ add: kpOf(b) }] });
  alice = mergePendingCommit(commit.state);
  bob = await join(cs, b, commit.welcome!, policy);
  const [pa, pb] = await Promise.all([client(cs, "plain-alice"), client(cs, "plain-bob")]);
  const plain = await createCommit(await newGroup(cs, pa, policy), { proposals: [{ add: kpOf(pb) }] });
  plainAlice = mergePendingCommit(plain.state);
  plainBob = await join(cs, pb, plain.welcome!, policy);
});

const up = (componentId: number, s: string): Proposal => appDataUpdateProposal({ componentId, op: "update", update: bytes(s) });
const rm = (componentId: number): Proposal => appDataUpdateProposal({ componentId, op: "remove" });
const byValue = (proposal: Proposal): ProposalOrRef => ({ type: ProposalOrRefType.proposal, proposal });

async function forge(from: GroupState, proposals: readonly Proposal[]): Promise<Uint8Array> {
  const commit: Commit = { proposals: proposals.map(byValue), path: undefined };
  return (await frameHandshake(from, { contentType: ContentType.commit, commit }, { confirmationTag: new Uint8Array(cs.hashLength) })).message;
}

async function expectRejected(state: GroupState, message: Uint8Array, code: string): Promise<void> {
  const before = { epoch: state.groupContext.epoch, ext: toHex(encode(appDataDictionaryCodec, appDataOf(state.groupContext.extensions))) };
  const err = await processMessage(state, message).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ValidationError.isInstance(err), String(err)).toBe(true);
  expect((err as ValidationError).code).toBe(code);
  expect(state.groupContext.epoch).toBe(before.epoch);
  expect(toHex(encode(appDataDictionaryCodec, appDataOf(state.groupContext.extensions)))).toBe(before.ext);
}

describe("AppDataUpdate (draft-ietf-mls-extensions, 0x0008) and app_data_dictionary (0x0006)", () => {
  it("wire form: the AppDataUpdate struct right after proposal_type", () => {
    expect(toHex(encode(proposalCodec, up(1, "ab")))).toBe("0008" + "00000001" + "01" + "02" + "6162");
    expect(toHex(encode(proposalCodec, rm(2)))).toBe("0008" + "00000002" + "02");
    expect(decode(proposalCodec, encode(proposalCodec, up(1, "ab")))).toEqual(up(1, "ab"));
    expect(() => decode(proposalCodec, new Uint8Array([0, 8, 0, 0, 0, 1, 3]))).toThrow(CodecError);
    // Entries sorted by component_id, each once.
    const entries = vector(struct<{ componentId: number; data: Uint8Array }>({ componentId: uint32, data: opaque }));
    const unsorted = encode(entries, [
      { componentId: 2, data: new Uint8Array(0) },
      { componentId: 1, data: new Uint8Array(0) },
    ]);
    expect(() => decode(appDataDictionaryCodec, unsorted)).toThrow(CodecError);
  });

  it("updates go through the application's hook, in Commit order, without a path; removes drop the entry", async () => {
    seen.length = 0;
    const p = await createProposal(bob, { proposal: up(1, "x") });
    let a = await deliver(alice, p.message);
    const c1 = await createCommit(a, { proposals: [up(1, "y"), up(2, "z")] });
    a = mergePendingCommit(c1.state);
    const b = await deliver(p.state, c1.commit);
    expect(appDataOf(a.groupContext.extensions).map((c) => [c.componentId, text(c.data)])).toEqual([
      [1, "xy"],
      [2, "z"],
    ]);
    expect(toHex(b.groupContext.treeHash)).toBe(toHex(a.groupContext.treeHash));
    expect(toHex(b.keys.epochAuthenticator)).toBe(toHex(a.keys.epochAuthenticator));
    expect(seen.find((s) => s.componentId === 1 && s.senders === 2)).toMatchObject({ current: undefined, updates: ["x", "y"] });
    const c2 = await createCommit(a, { proposals: [rm(2), up(1, "!")] });
    a = mergePendingCommit(c2.state);
    const b2 = await deliver(b, c2.commit);
    expect(appDataOf(b2.groupContext.extensions).map((c) => [c.componentId, text(c.data)])).toEqual([[1, "xy!"]]);
  });

  it("refuses an unknown component, a remove of absent data, a remove with another update, a rejected update", async () => {
    await expectRejected(alice, await forge(bob, [up(9, "a")]), "app-data/unknown-component");
    await expectRejected(alice, await forge(bob, [rm(1)]), "app-data/remove-absent");
    await expectRejected(alice, await forge(bob, [up(1, "a"), rm(1)]), "app-data/invalid-operations");
    await expectRejected(alice, await forge(bob, [up(2, "no")]), "app-data/update-rejected");
  });

  it("refuses a GroupContextExtensions proposal that changes app_data_dictionary where AppDataUpdate is required", async () => {
    const dict: Extension = {
      extensionType: APP_DATA_DICTIONARY_EXTENSION_TYPE as never,
      extensionData: encode(appDataDictionaryCodec, [{ componentId: 1, data: bytes("forged") }]),
    };
    const gce: Proposal = { proposalType: ProposalType.group_context_extensions, extensions: [...alice.groupContext.extensions, dict] };
    await expectRejected(alice, await forge(bob, [gce]), "app-data/group-context-extensions");
  });

  it("in a group whose members do not all support it: refused", async () => {
    await expectRejected(plainAlice, await forge(plainBob, [up(1, "a")]), "proposal-list/unsupported-proposal-type");
  });
});
