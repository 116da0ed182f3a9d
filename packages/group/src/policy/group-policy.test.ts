/** Group policy: custom proposal types (RFC 9420 §13.2, §12.2), padding (§6.3.1), accepted extension types (§13.4). */
import { beforeAll, describe, expect, it } from "vitest";
import { type CipherSuiteProvider, ValidationError, WireFormat } from "@mlskit/core";
import { createApplicationMessage } from "../framing/application-message.js";
import { defaultCapabilities } from "../leaf-nodes/capabilities.js";
import type { Commit } from "../commit/commit.js";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { ContentType } from "../framing/content-type.js";
import { type TestClient, client, deliver, join, kpOf, newGroup } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import type { CustomProposalHandler, GroupPolicyInput } from "./group-policy.js";
import type { GroupState } from "../state/group-state.js";
import { decodeMlsMessage } from "../framing/mls-message.js";
import { processMessage } from "../receive/message-process.js";
import { padToMultipleOf } from "../framing/private-message-content.js";
import { createProposal } from "../proposals/proposal-create.js";
import { validationErrorOf } from "../rejection.fixture.js";

const CUSTOM = 0xf00d;
const NO_PATH = 0xf00e;
const EXT = 0xff01;
let cs: CipherSuiteProvider;
const seen: number[] = [];

const handlers: CustomProposalHandler[] = [
  {
    proposalType: CUSTOM,
    validate(p) {
      if (p.body[0] === 0xff) throw new ValidationError("app/custom-rejected", "13.2", "body 0xff is not allowed");
    },
    apply(p, ctx) {
      seen.push(p.body[0]!);
      return [...ctx.extensions.filter((e) => e.extensionType !== EXT), { extensionType: EXT, extensionData: p.body }];
    },
  },
  { proposalType: NO_PATH, requiresPath: false },
];
const policy: GroupPolicyInput = { customProposals: handlers };

function commitOf(message: Uint8Array): Commit {
  const m = decodeMlsMessage(message);
  if (m.wireFormat !== WireFormat.mls_public_message || m.publicMessage.content.contentType !== ContentType.commit) throw new Error("not a commit");
  return m.publicMessage.content.commit;
}

async function twoMembers(p: GroupPolicyInput, capable = true): Promise<{ a: GroupState; b: GroupState; clients: TestClient[] }> {
  const capabilities = defaultCapabilities({ cipherSuites: [1], credentials: [1], proposals: [CUSTOM, NO_PATH], extensions: [EXT, EXT + 1] });
  const clients = await Promise.all([client(cs, "alice", { capabilities }), client(cs, "bob", capable ? { capabilities } : {})]);
  const a0 = await newGroup(cs, clients[0]!, p);
  const c = await createCommit(a0, { proposals: [{ add: kpOf(clients[1]!) }] });
  return { a: mergePendingCommit(c.state), b: await join(cs, clients[1]!, c.welcome!, p), clients };
}

beforeAll(async () => {
  cs = await noblecs();
});

describe("custom proposal types (§13.2)", () => {
  it("by value: validated, applied (new extensions), with a path unless requiresPath is false", async () => {
    const { a, b } = await twoMembers(policy);
    const c = await createCommit(a, { proposals: [{ custom: { proposalType: CUSTOM, body: new Uint8Array([7]) } }] });
    expect(commitOf(c.commit).path).toBeDefined();
    const r = await processMessage(b, c.commit);
    if (r.kind !== "commit") throw new Error("expected a commit");
    expect(r.staged.newExtensions?.find((e) => e.extensionType === EXT)?.extensionData).toEqual(new Uint8Array([7]));
    const b1 = r.staged.state!;
    const a1 = mergePendingCommit(c.state);
    expect(b1.groupContext.extensions).toEqual(a1.groupContext.extensions);
    const c2 = await createCommit(a1, { proposals: [{ custom: { proposalType: NO_PATH, body: new Uint8Array(0) } }] });
    expect(commitOf(c2.commit).path).toBeUndefined();
    expect((await deliver(b1, c2.commit)).keys.epochAuthenticator).toEqual(mergePendingCommit(c2.state).keys.epochAuthenticator);
    // The validator's rejection stops the Commit.
    const e = await validationErrorOf(createCommit(a1, { proposals: [{ custom: { proposalType: CUSTOM, body: new Uint8Array([0xff]) } }] }));
    expect(e.code).toBe("app/custom-rejected");
  });

  it("by reference: proposed by one member, committed by another", async () => {
    const { a, b } = await twoMembers(policy);
    const p = await createProposal(b, { custom: { proposalType: CUSTOM, body: new Uint8Array([9]) } });
    const ra = await processMessage(a, p.message);
    const c = await createCommit(ra.state);
    const nb = await deliver(p.state, c.commit);
    expect(nb.groupContext.extensions.find((e) => e.extensionType === EXT)?.extensionData).toEqual(new Uint8Array([9]));
    expect(seen).toContain(9);
  });

  it("is rejected when a member does not list the type in its capabilities (§12.2)", async () => {
    const { a } = await twoMembers(policy, false);
    const e = await validationErrorOf(createCommit(a, { proposals: [{ custom: { proposalType: NO_PATH, body: new Uint8Array(0) } }] }));
    expect([e.code, e.rfcSection]).toEqual(["proposal-list/unsupported-proposal-type", "12.2"]);
  });

  it("is rejected when this client has no handler for it (§12.2)", async () => {
    const { a } = await twoMembers({});
    const e = await validationErrorOf(createCommit(a, { proposals: [{ custom: { proposalType: CUSTOM, body: new Uint8Array(1) } }] }));
    expect(e.code).toBe("proposal-list/unsupported-proposal-type");
  });
});

describe("padding policy (§6.3.1)", () => {
  it("pads PrivateMessages to the block size, and receivers strip it", async () => {
    const { a, b } = await twoMembers({ padding: padToMultipleOf(256), handshakeWireFormat: "private" });
    const short = await createApplicationMessage(a, new Uint8Array(1));
    const longer = await createApplicationMessage(a, new Uint8Array(100));
    expect(short.length).toBe(longer.length);
    const r = await processMessage(b, longer);
    expect(r.kind === "application" && r.data.length).toBe(100);
    const { a: ua } = await twoMembers({});
    const u1 = await createApplicationMessage(ua, new Uint8Array(1));
    const u2 = await createApplicationMessage(ua, new Uint8Array(100));
    // Unpadded: 99 more bytes of data plus one more byte of varint length prefix.
    expect(u2.length - u1.length).toBe(100);
    // Private handshakes are padded too and still process.
    const c = await createCommit(r.state, { forcePath: true });
    expect((await deliver(a, c.commit)).groupContext.epoch).toBe(2n);
  });
});

describe("acceptedExtensionTypes policy (§13.4)", () => {
  it("rejects GroupContext extensions of types the policy does not accept, on commit and on join", async () => {
    const { a, b } = await twoMembers({ acceptedExtensionTypes: [EXT] });
    const ok = await createCommit(a, { proposals: [{ groupContextExtensions: [{ extensionType: EXT, extensionData: new Uint8Array(0) }] }] });
    const b1 = await deliver(b, ok.commit);
    expect(b1.groupContext.extensions).toHaveLength(1);
    const e = await validationErrorOf(
      createCommit(mergePendingCommit(ok.state), { proposals: [{ groupContextExtensions: [{ extensionType: EXT + 1, extensionData: new Uint8Array(0) }] }] }),
    );
    expect([e.code, e.rfcSection]).toEqual(["group-context/unsupported-extension", "13.4"]);
    // A receiver whose policy refuses the type rejects the Commit of a member whose policy allows it.
    const { a: a2, b: b2 } = await twoMembers({});
    const strict: GroupState = { ...b2, policy: { ...b2.policy, acceptedExtensionTypes: [EXT] } };
    const c2 = await createCommit(a2, { proposals: [{ groupContextExtensions: [{ extensionType: EXT + 1, extensionData: new Uint8Array(0) }] }] });
    const e2 = await validationErrorOf(processMessage(strict, c2.commit));
    expect(e2.code).toBe("group-context/unsupported-extension");
    // A joiner whose policy refuses the group's extensions does not join.
    const capabilities = defaultCapabilities({ cipherSuites: [1], credentials: [1], extensions: [EXT, EXT + 1] });
    const carol = await client(cs, "carol", { capabilities });
    const a3 = mergePendingCommit(c2.state);
    const c3 = await createCommit(a3, { proposals: [{ add: kpOf(carol) }] });
    const e3 = await validationErrorOf(join(cs, carol, c3.welcome!, { acceptedExtensionTypes: [EXT] }));
    expect([e3.code, e3.rfcSection]).toEqual(["group-context/unsupported-extension", "13.4"]);
    expect((await join(cs, carol, c3.welcome!)).groupContext.extensions).toHaveLength(1);
  });
});
