/** Reinitialization (RFC 9420 §11.2) and subgroup branching (§11.3): positive flows and each join-side check. */
import { beforeAll, describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, ExtensionType, ValidationError } from "@mlskit/core";
import { ResumptionPSKUsage } from "@mlskit/key-schedule";
import { createApplicationMessage } from "../framing/application-message.js";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { mergeStagedCommit } from "../commit/commit-process.js";
import { type TestClient, client, kpOf, newGroup, services } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { groupPolicy } from "../policy/group-policy.js";
import type { GroupState } from "../state/group-state.js";
import { processMessage } from "../receive/message-process.js";
import { createBranch, createReinitGroup, createResumedGroup } from "./resumption-create.js";
import type { ResumedGroupSource, ResumptionKind } from "./resumption-join.js";
import { joinFromWelcome } from "../welcome/welcome-join.js";

let cs1: CipherSuiteProvider;
let cs3: CipherSuiteProvider;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function deliver(state: GroupState, msg: Uint8Array): Promise<GroupState> {
  const r = await processMessage(state, msg);
  return r.kind === "commit" ? mergeStagedCommit(r.staged) : r.state;
}

function joinResumed(cs: CipherSuiteProvider, c: TestClient, welcome: Uint8Array, resumedGroup: ResumedGroupSource, expect?: ResumptionKind): Promise<GroupState> {
  return joinFromWelcome({
    cs,
    welcome,
    keyPackage: c.kp.keyPackage,
    initPrivateKey: c.kp.privateKeys.initPrivateKey,
    encryptionPrivateKey: c.kp.privateKeys.encryptionPrivateKey,
    signaturePrivateKey: c.signaturePrivateKey,
    services,
    policy: groupPolicy(),
    resumedGroup,
    ...(expect !== undefined ? { expectResumption: expect } : {}),
  });
}

async function rejection(p: Promise<unknown>): Promise<ValidationError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(ValidationError.isInstance(e), String(e)).toBe(true);
  return e as ValidationError;
}

/** A group of alice, bob, carol (suite 1), with a ReInit to suite 3 and `newId` committed by alice. */
async function reinitialized(newId: Uint8Array): Promise<{ a: GroupState; b: GroupState; c: GroupState; names: TestClient[] }> {
  const names = await Promise.all([client(cs1, "alice"), client(cs1, "bob"), client(cs1, "carol")]);
  let a = await newGroup(cs1, names[0]!);
  const c1 = await createCommit(a, { proposals: [{ add: kpOf(names[1]!) }, { add: kpOf(names[2]!) }] });
  a = mergePendingCommit(c1.state);
  const [b0, c0] = await Promise.all(names.slice(1).map((n) => joinResumedless(n, c1.welcome!)));
  const c2 = await createCommit(a, { proposals: [{ reinit: { groupId: newId, cipherSuite: 3 } }] });
  a = mergePendingCommit(c2.state);
  const b = await deliver(b0!, c2.commit);
  const c = await deliver(c0!, c2.commit);
  return { a, b, c, names };
}

function joinResumedless(c: TestClient, welcome: Uint8Array): Promise<GroupState> {
  return joinFromWelcome({
    cs: cs1,
    welcome,
    keyPackage: c.kp.keyPackage,
    initPrivateKey: c.kp.privateKeys.initPrivateKey,
    encryptionPrivateKey: c.kp.privateKeys.encryptionPrivateKey,
    signaturePrivateKey: c.signaturePrivateKey,
    services,
  });
}

beforeAll(async () => {
  cs1 = await noblecs(1);
  cs3 = await noblecs(3);
});

describe("reinitialization (§11.2)", () => {
  it("members re-initialise into a suite-3 group and exchange messages", async () => {
    const { a, b, c } = await reinitialized(enc("reinit-ok"));
    expect(a.reinit?.cipherSuite).toBe(3);
    expect(b.reinit?.cipherSuite).toBe(3);
    // The frozen group refuses further use (§11.2).
    await expect(createCommit(a)).rejects.toMatchObject({ code: "usage/group-reinitialized" });
    const [a3, b3, c3] = await Promise.all([client(cs3, "alice"), client(cs3, "bob"), client(cs3, "carol")]);
    const created = await createReinitGroup(a, cs3, {
      leafNode: a3.kp.keyPackage.leafNode,
      encryptionPrivateKey: a3.kp.privateKeys.encryptionPrivateKey,
      signaturePrivateKey: a3.signaturePrivateKey,
      keyPackages: [kpOf(b3), kpOf(c3)],
    });
    const na = created.state;
    expect(na.groupContext.epoch).toBe(1n);
    expect(na.groupContext.cipherSuite).toBe(3);
    expect(toHex(na.groupContext.groupId)).toBe(toHex(enc("reinit-ok")));
    const nb = await joinResumed(cs3, b3, created.welcome!, b, "reinit");
    const nc = await joinResumed(cs3, c3, created.welcome!, (id) => (toHex(id) === toHex(c.groupContext.groupId) ? c : undefined), "reinit");
    expect(toHex(nb.keys.epochAuthenticator)).toBe(toHex(na.keys.epochAuthenticator));
    expect(toHex(nc.keys.epochAuthenticator)).toBe(toHex(na.keys.epochAuthenticator));
    const m = await createApplicationMessage(nb, enc("hello suite 3"));
    const r = await processMessage(na, m);
    expect(r.kind === "application" && new TextDecoder().decode(r.data)).toBe("hello suite 3");
    const upd = await createCommit(nc, { forcePath: true });
    const na2 = await deliver(na, upd.commit);
    expect(toHex(na2.keys.epochAuthenticator)).toBe(toHex(mergePendingCommit(upd.state).keys.epochAuthenticator));
  });

  describe("join-side checks", () => {
    let a: GroupState;
    let b: GroupState;
    let names: TestClient[];
    let a3: TestClient;
    let b3: TestClient;
    const newId = enc("reinit-neg");
    beforeAll(async () => {
      ({ a, b, names } = await reinitialized(newId));
      [a3, b3] = await Promise.all([client(cs3, "alice"), client(cs3, "bob")]);
    });
    const base = () => ({
      cs: cs3,
      groupId: newId,
      extensions: [],
      usage: ResumptionPSKUsage.reinit,
      pskGroupId: a.groupContext.groupId,
      pskEpoch: a.groupContext.epoch,
      psk: a.keys.resumptionPsk,
      leafNode: a3.kp.keyPackage.leafNode,
      encryptionPrivateKey: a3.kp.privateKeys.encryptionPrivateKey,
      signaturePrivateKey: a3.signaturePrivateKey,
      keyPackages: [kpOf(b3)],
      services,
      policy: groupPolicy(),
    });

    it("rejects a group_id other than the ReInit's", async () => {
      const w = await createResumedGroup({ ...base(), groupId: enc("other") });
      expect((await rejection(joinResumed(cs3, b3, w.welcome!, b, "reinit"))).code).toBe("welcome/reinit-group-id");
    });
    it("rejects a cipher suite other than the ReInit's", async () => {
      const [a1, b1] = await Promise.all([client(cs1, "alice"), client(cs1, "bob")]);
      const w = await createResumedGroup({
        ...base(),
        cs: cs1,
        leafNode: a1.kp.keyPackage.leafNode,
        encryptionPrivateKey: a1.kp.privateKeys.encryptionPrivateKey,
        signaturePrivateKey: a1.signaturePrivateKey,
        keyPackages: [kpOf(b1)],
      });
      const e = await rejection(joinResumed(cs1, b1, w.welcome!, b, "reinit"));
      expect([e.code, e.rfcSection]).toEqual(["welcome/reinit-cipher-suite", "11.2"]);
    });
    it("rejects extensions other than the ReInit's", async () => {
      const w = await createResumedGroup({ ...base(), extensions: [{ extensionType: ExtensionType.external_senders, extensionData: new Uint8Array([0]) }] });
      expect((await rejection(joinResumed(cs3, b3, w.welcome!, b, "reinit"))).code).toBe("welcome/reinit-extensions");
    });
    it("rejects a reinit PSK of an epoch other than the old group's last", async () => {
      const prev = a.groupContext.epoch - 1n;
      const w = await createResumedGroup({ ...base(), pskEpoch: prev, psk: a.resumptionPsks.get(prev)! });
      const e = await rejection(joinResumed(cs3, b3, w.welcome!, b, "reinit"));
      expect([e.code, e.rfcSection]).toEqual(["welcome/reinit-psk-epoch", "11.2"]);
    });
    it("rejects a new group that leaves out a member of the old one", async () => {
      // carol is not re-added: bob must refuse (§12.4.3.1 "all the members of the old group are also members of the new group").
      const w = await createResumedGroup(base());
      expect((await rejection(joinResumed(cs3, b3, w.welcome!, b, "reinit"))).code).toBe("welcome/reinit-members");
    });
    it("rejects a reinit Welcome for a group whose last Commit had no ReInit", async () => {
      const live = await newGroup(cs1, names[0]!);
      const w = await createResumedGroup({ ...base(), pskGroupId: live.groupContext.groupId, pskEpoch: 0n, psk: live.keys.resumptionPsk });
      expect((await rejection(joinResumed(cs3, b3, w.welcome!, live, "reinit"))).code).toBe("welcome/reinit-not-committed");
    });
    it("requires exactly one reinit PSK when a reinit is expected", async () => {
      const plain = await newGroup(cs3, a3);
      const c = await createCommit(plain, { proposals: [{ add: kpOf(b3) }] });
      const e = await rejection(joinResumed(cs3, b3, c.welcome!, b, "reinit"));
      expect([e.code, e.rfcSection]).toEqual(["welcome/resumption-psk-missing", "11.2"]);
      const w = await createResumedGroup({ ...base(), usage: ResumptionPSKUsage.branch });
      expect((await rejection(joinResumed(cs3, b3, w.welcome!, b, "reinit"))).code).toBe("welcome/resumption-psk-usage");
    });
    it("rejects a Welcome resuming a group other than the given one", async () => {
      const other = await newGroup(cs1, names[1]!);
      const w = await createResumedGroup({ ...base(), groupId: newId });
      expect((await rejection(joinResumed(cs3, b3, w.welcome!, other, "reinit"))).code).toBe("welcome/resumed-group-unknown");
    });
  });
});

describe("subgroup branching (§11.3)", () => {
  let a: GroupState;
  let b: GroupState;
  let names: TestClient[];
  beforeAll(async () => {
    names = await Promise.all([client(cs1, "alice"), client(cs1, "bob"), client(cs1, "carol"), client(cs1, "dave")]);
    a = await newGroup(cs1, names[0]!);
    const c1 = await createCommit(a, { proposals: [{ add: kpOf(names[1]!) }, { add: kpOf(names[2]!) }] });
    a = mergePendingCommit(c1.state);
    b = await joinResumedless(names[1]!, c1.welcome!);
  });

  it("branches alice and bob off, and they exchange messages", async () => {
    const [a2, b2] = await Promise.all([client(cs1, "alice"), client(cs1, "bob")]);
    const branch = await createBranch(a, {
      groupId: enc("branch"),
      leafNode: a2.kp.keyPackage.leafNode,
      encryptionPrivateKey: a2.kp.privateKeys.encryptionPrivateKey,
      signaturePrivateKey: a2.signaturePrivateKey,
      keyPackages: [kpOf(b2)],
    });
    expect(branch.state.groupContext.epoch).toBe(1n);
    const nb = await joinResumed(cs1, b2, branch.welcome!, b, "branch");
    expect(toHex(nb.keys.epochAuthenticator)).toBe(toHex(branch.state.keys.epochAuthenticator));
    const r = await processMessage(nb, await createApplicationMessage(branch.state, enc("sub")));
    expect(r.kind === "application" && new TextDecoder().decode(r.data)).toBe("sub");
    // The parent group continues independently.
    expect((await createCommit(a, { forcePath: true })).commit.length).toBeGreaterThan(0);
  });

  const branchOf = async (members: TestClient[], cs = cs1, groupId = enc("bad-branch")) => {
    const me = await client(cs, "alice");
    return createResumedGroup({
      cs,
      groupId,
      extensions: [],
      usage: ResumptionPSKUsage.branch,
      pskGroupId: a.groupContext.groupId,
      pskEpoch: a.groupContext.epoch,
      psk: a.keys.resumptionPsk,
      leafNode: me.kp.keyPackage.leafNode,
      encryptionPrivateKey: me.kp.privateKeys.encryptionPrivateKey,
      signaturePrivateKey: me.signaturePrivateKey,
      keyPackages: members.map(kpOf),
      services,
      policy: groupPolicy(),
    });
  };

  it("rejects a branch with a member who is not in the parent group", async () => {
    const [b2, d2] = await Promise.all([client(cs1, "bob"), client(cs1, "dave")]);
    const w = await branchOf([b2, d2]);
    const e = await rejection(joinResumed(cs1, b2, w.welcome!, b, "branch"));
    expect([e.code, e.rfcSection]).toEqual(["welcome/branch-members", "11.3"]);
  });
  it("rejects a branch in another cipher suite", async () => {
    const b3 = await client(cs3, "bob");
    const w = await branchOf([b3], cs3);
    const e = await rejection(joinResumed(cs3, b3, w.welcome!, b, "branch"));
    expect([e.code, e.rfcSection]).toEqual(["welcome/branch-parameters", "11.3"]);
  });
  it("rejects a plain Welcome when a branch is expected, and a branch of another group", async () => {
    const b2 = await client(cs1, "bob");
    const plain = await createCommit(await newGroup(cs1, names[0]!), { proposals: [{ add: kpOf(b2) }] });
    expect((await rejection(joinResumed(cs1, b2, plain.welcome!, b, "branch"))).code).toBe("welcome/resumption-psk-missing");
    const b3 = await client(cs1, "bob");
    const w = await branchOf([b3]);
    const stranger = await newGroup(cs1, names[3]!);
    expect((await rejection(joinResumed(cs1, b3, w.welcome!, stranger, "branch"))).code).toBe("welcome/resumed-group-unknown");
  });
  it("rejects a branch PSK proposal in a regular Commit (§12.1.4)", async () => {
    const e = await rejection(createCommit(a, { proposals: [{ resumptionPsk: { epoch: a.groupContext.epoch, usage: 3 } }] }));
    expect([e.code, e.rfcSection]).toEqual(["proposal/psk-usage", "12.1.4"]);
  });
});
