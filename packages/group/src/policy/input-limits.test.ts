/**
 * The policy's caps on received input (issue 13): leaves of a joined tree
 * (Welcome, out of band, GroupInfo), proposals per Commit, message size;
 * and the lifetimes of a joined tree's leaves (§7.3). Each refusal is a
 * typed ValidationError and leaves the state as it was.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { CipherSuiteProvider } from "@mlskit/core";
import { CodecError, toHex } from "@mlskit/codec";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { mergeStagedCommit } from "../commit/commit-process.js";
import { joinByExternalCommit } from "../welcome/external-commit.js";
import { type TestClient, client, join, kpOf, newGroup, services } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { type GroupPolicyInput, DEFAULT_GROUP_POLICY, groupPolicy } from "./group-policy.js";
import type { GroupState } from "../state/group-state.js";
import { processMessage } from "../receive/message-process.js";
import { validationErrorOf } from "../rejection.fixture.js";
import { encodeGroupState } from "../state/group-state-codec.js";

let cs: CipherSuiteProvider;
let clients: TestClient[];
let alice: GroupState; // leaf 0
let bob: GroupState; // leaf 1
let welcome: Uint8Array; // adds bob and carol, ratchet_tree inside
let welcomeNoTree: Uint8Array; // the same Commit's Welcome without the tree …
let tree: Uint8Array; // … and the tree out of band
let groupInfo: Uint8Array; // for external joins, ratchet_tree inside

const with_ = (s: GroupState, p: GroupPolicyInput): GroupState => ({ ...s, policy: groupPolicy(p) });

beforeAll(async () => {
  cs = await noblecs();
  clients = await Promise.all(["alice", "bob", "carol", "dave", "erin"].map((n) => client(cs, n)));
  const a = await newGroup(cs, clients[0]!);
  const c = await createCommit(a, { proposals: [{ add: kpOf(clients[1]!) }, { add: kpOf(clients[2]!) }], groupInfo: { externalPub: true } });
  alice = mergePendingCommit(c.state);
  welcome = c.welcome!;
  groupInfo = c.groupInfo!;
  bob = await join(cs, clients[1]!, welcome);
  const c2 = await createCommit(a, { proposals: [{ add: kpOf(clients[1]!) }, { add: kpOf(clients[2]!) }], ratchetTreeInWelcome: false });
  welcomeNoTree = c2.welcome!;
  tree = mergePendingCommit(c2.state).tree.encode();
});

/** Processing `message` in `state` fails with `code`/`section`, and the state encodes to the same bytes as before. */
async function expectRefusedUnchanged(state: GroupState, message: Uint8Array, code: string, section: string): Promise<void> {
  const before = toHex(encodeGroupState(state));
  const e = await validationErrorOf(processMessage(state, message));
  expect([e.code, e.rfcSection]).toEqual([code, section]);
  expect(toHex(encodeGroupState(state))).toBe(before);
}

/** A `ratchet_tree` body whose vector claims `nodes` one-byte blank nodes, the last byte an invalid presence flag. */
function millionNodeClaim(nodes: number): Uint8Array {
  const out = new Uint8Array(4 + nodes);
  // MLS varint, 4-byte form (RFC 9420 §2.1.2).
  out[0] = 0x80 | ((nodes >>> 24) & 0x3f);
  out[1] = (nodes >>> 16) & 0xff;
  out[2] = (nodes >>> 8) & 0xff;
  out[3] = nodes & 0xff;
  out[out.length - 1] = 7; // a full parse would stop here with codec/invalid-value
  return out;
}

describe("defaults", () => {
  it("caps trees at 65,536 leaves, Commits at 1,000 proposals, messages at 16 MiB, and checks joined trees' lifetimes", () => {
    expect(DEFAULT_GROUP_POLICY.maxTreeLeaves).toBe(65_536);
    expect(DEFAULT_GROUP_POLICY.maxProposalsPerCommit).toBe(1_000);
    expect(DEFAULT_GROUP_POLICY.maxMessageBytes).toBe(16 * 1024 * 1024);
    expect(DEFAULT_GROUP_POLICY.lifetime.checkJoinedTree).toBeUndefined(); // undefined = on
  });
});

describe("maxTreeLeaves (§12.4.3.1)", () => {
  it("refuses a Welcome whose tree lists more leaves than the cap, and accepts one at the cap", async () => {
    // The tree lists leaves 0..2 (5 nodes).
    const e = await validationErrorOf(join(cs, clients[2]!, welcome, { maxTreeLeaves: 2 }));
    expect([e.code, e.rfcSection]).toEqual(["limits/tree-too-large", "12.4.3.1"]);
    const carol = await join(cs, clients[2]!, welcome, { maxTreeLeaves: 3 });
    expect(carol.ownLeaf).toBe(2);
  });
  it("refuses an out-of-band tree beyond the cap", async () => {
    const e = await validationErrorOf(join(cs, clients[2]!, welcomeNoTree, { maxTreeLeaves: 2 }, tree));
    expect(e.code).toBe("limits/tree-too-large");
    expect((await join(cs, clients[2]!, welcomeNoTree, {}, tree)).ownLeaf).toBe(2);
  });
  it("refuses a GroupInfo's tree beyond the cap (external join)", async () => {
    const ext = (policy: GroupPolicyInput) =>
      joinByExternalCommit({
        cs,
        groupInfo,
        credential: clients[3]!.kp.keyPackage.leafNode.credential,
        signaturePrivateKey: clients[3]!.signaturePrivateKey,
        signaturePublicKey: clients[3]!.kp.keyPackage.leafNode.signatureKey,
        services,
        policy: groupPolicy(policy),
      });
    expect((await validationErrorOf(ext({ maxTreeLeaves: 2 }))).code).toBe("limits/tree-too-large");
    expect((await ext({})).state.groupContext.epoch).toBe(alice.groupContext.epoch + 1n);
  });
  it("stops at the cap: a claim of 1,000,000 nodes is refused without parsing the rest", async () => {
    const claim = millionNodeClaim(1_000_000);
    // Under the default cap: refused as too large, before node 131,071 …
    const e = await validationErrorOf(join(cs, clients[2]!, welcomeNoTree, {}, claim));
    expect([e.code, e.rfcSection]).toEqual(["limits/tree-too-large", "12.4.3.1"]);
    // … whereas a parse of the whole input meets the bad byte at its end (a different error).
    const full = await join(cs, clients[2]!, welcomeNoTree, { maxTreeLeaves: 2 ** 30 }, claim).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(CodecError.isInstance(full), String(full)).toBe(true);
    expect((full as CodecError).code).toBe("codec/invalid-value");
  });
});

describe("maxProposalsPerCommit (§12.4.2)", () => {
  it("refuses a Commit with more proposals than the cap before resolving them; the state is unchanged", async () => {
    const c = await createCommit(bob, { proposals: [{ add: kpOf(clients[3]!) }, { add: kpOf(clients[4]!) }] });
    await expectRefusedUnchanged(with_(alice, { maxProposalsPerCommit: 1 }), c.commit, "limits/too-many-proposals", "12.4.2");
    const r = await processMessage(with_(alice, { maxProposalsPerCommit: 2 }), c.commit);
    expect(r.kind).toBe("commit");
    if (r.kind === "commit") expect(mergeStagedCommit(r.staged).groupContext.epoch).toBe(alice.groupContext.epoch + 1n);
  });
});

describe("maxMessageBytes (§16.11)", () => {
  it("refuses a message one byte over the cap before decoding it; the state is unchanged", async () => {
    const c = await createCommit(bob, { proposals: [{ add: kpOf(clients[3]!) }] });
    await expectRefusedUnchanged(with_(alice, { maxMessageBytes: c.commit.length - 1 }), c.commit, "limits/message-too-large", "16.11");
    // Not even decoded: junk over the cap is refused the same way.
    await expectRefusedUnchanged(with_(alice, { maxMessageBytes: 16 }), new Uint8Array(17), "limits/message-too-large", "16.11");
    expect((await processMessage(with_(alice, { maxMessageBytes: c.commit.length }), c.commit)).kind).toBe("commit");
  });
  it("does not count a Welcome's or GroupInfo's ratchet_tree", async () => {
    // The Welcome with the tree is larger than the one without by the tree (plus the extension's header and AEAD framing).
    expect(welcome.length).toBeGreaterThan(welcomeNoTree.length + tree.length);
    const cap = welcome.length - tree.length; // the Welcome without its tree fits …
    expect((await join(cs, clients[2]!, welcome, { maxMessageBytes: cap })).ownLeaf).toBe(2);
    const e = await validationErrorOf(join(cs, clients[2]!, welcome, { maxMessageBytes: 64 })); // … a tiny cap does not
    expect([e.code, e.rfcSection]).toEqual(["limits/message-too-large", "16.11"]);
    const ext = (maxMessageBytes: number) =>
      joinByExternalCommit({
        cs,
        groupInfo,
        credential: clients[3]!.kp.keyPackage.leafNode.credential,
        signaturePrivateKey: clients[3]!.signaturePrivateKey,
        signaturePublicKey: clients[3]!.kp.keyPackage.leafNode.signatureKey,
        services,
        policy: groupPolicy({ maxMessageBytes }),
      });
    expect((await validationErrorOf(ext(64))).code).toBe("limits/message-too-large");
    expect((await ext(groupInfo.length - tree.length)).state.groupContext.epoch).toBe(alice.groupContext.epoch + 1n);
  });
});

describe("lifetimes of a joined tree's leaves (§7.3)", () => {
  // Every key_package leaf here was made now, valid from an hour ago for 84 days (createKeyPackage's default).
  const day = 86_400;
  const now = () => Math.floor(Date.now() / 1000);
  it("refuses a Welcome whose tree holds an expired leaf, naming it", async () => {
    const e = await validationErrorOf(join(cs, clients[2]!, welcome, { lifetime: { now: now() + 100 * day } }));
    expect([e.code, e.rfcSection]).toEqual(["tree/leaf-lifetime", "7.3"]);
    expect(e.message).toMatch(/leaf 0 expired/);
  });
  it("refuses a leaf not yet valid", async () => {
    const e = await validationErrorOf(join(cs, clients[2]!, welcome, { lifetime: { now: now() - day } }));
    expect([e.code, e.rfcSection]).toEqual(["tree/leaf-lifetime", "7.3"]);
    expect(e.message).toMatch(/leaf 0 is not valid before/);
  });
  it("tolerates the clock skew, and the switch off accepts the expired tree", async () => {
    const notAfter = Number(clients[0]!.kp.keyPackage.leafNode.lifetime!.notAfter);
    expect((await join(cs, clients[2]!, welcome, { lifetime: { now: notAfter + 200 } })).ownLeaf).toBe(2); // within the default 300 s
    expect((await validationErrorOf(join(cs, clients[2]!, welcome, { lifetime: { now: notAfter + 200, clockSkew: 100 } }))).code).toBe("tree/leaf-lifetime");
    expect((await join(cs, clients[2]!, welcome, { lifetime: { now: now() + 100 * day, checkJoinedTree: false } })).ownLeaf).toBe(2);
  });
  it("checks the tree of an external join too", async () => {
    const ext = (lifetime: GroupPolicyInput["lifetime"]) =>
      joinByExternalCommit({
        cs,
        groupInfo,
        credential: clients[3]!.kp.keyPackage.leafNode.credential,
        signaturePrivateKey: clients[3]!.signaturePrivateKey,
        signaturePublicKey: clients[3]!.kp.keyPackage.leafNode.signatureKey,
        services,
        policy: groupPolicy(lifetime !== undefined ? { lifetime } : {}),
      });
    expect((await validationErrorOf(ext({ now: now() + 100 * day }))).code).toBe("tree/leaf-lifetime");
    expect((await ext({ now: now() + 100 * day, checkJoinedTree: false })).state.groupContext.epoch).toBe(alice.groupContext.epoch + 1n);
  });
});
