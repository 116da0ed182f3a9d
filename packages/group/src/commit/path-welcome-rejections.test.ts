/**
 * Negative tests through the public entry points: §12.4.2 UpdatePath checks
 * (processMessage), §12.4.3.1 GroupInfo signature and confirmation tag
 * (joinFromWelcome), and the §12.2 rules of external Commits.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { encode } from "@mlskit/codec";
import { type CipherSuiteProvider, ProposalType, WireFormat, encryptWithLabel } from "@mlskit/core";
import { deriveWelcomeSecret } from "@mlskit/key-schedule";
import type { LeafIndex, UpdatePath } from "@mlskit/ratchet-tree";
import { type Commit, ProposalOrRefType } from "./commit.js";
import { welcomeKeyNonce } from "./commit-common.js";
import { createCommit, mergePendingCommit } from "./commit-create.js";
import { ContentType } from "../framing/content-type.js";
import { joinByExternalCommit } from "../welcome/external-commit.js";
import { type TestClient, client, join, kpOf, newGroup, services } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { type GroupInfo, groupInfoCodec, signGroupInfo } from "../welcome/group-info.js";
import type { GroupState } from "../state/group-state.js";
import { decodeMlsMessage, encodeMlsMessage, publicMessageToMls } from "../framing/mls-message.js";
import { frameHandshake } from "../proposals/proposal-create.js";
import type { Proposal } from "../proposals/proposal.js";
import { createPublicMessage } from "../framing/public-message.js";
import { expectRejectedThenValid, validationErrorOf } from "../rejection.fixture.js";
import { decryptWelcome } from "../welcome/welcome-join.js";
import { groupSecretsCodec } from "../welcome/welcome.js";
import type { FramedContent } from "../framing/framed-content.js";

let cs: CipherSuiteProvider;
let clients: TestClient[];
let alice: GroupState; // leaf 0
let bob: GroupState; // leaf 1
let carol: GroupState; // leaf 2
let welcome: Uint8Array; // the Welcome that added bob and carol

beforeAll(async () => {
  cs = await noblecs();
  clients = await Promise.all(["alice", "bob", "carol", "dave"].map((n) => client(cs, n)));
  const a = await newGroup(cs, clients[0]!);
  const c = await createCommit(a, { proposals: [{ add: kpOf(clients[1]!) }, { add: kpOf(clients[2]!) }] });
  alice = mergePendingCommit(c.state);
  welcome = c.welcome!;
  [bob, carol] = await Promise.all([join(cs, clients[1]!, welcome), join(cs, clients[2]!, welcome)]);
});

function commitOf(message: Uint8Array): Commit {
  const m = decodeMlsMessage(message);
  if (m.wireFormat !== WireFormat.mls_public_message || m.publicMessage.content.contentType !== ContentType.commit) throw new Error("not a public commit");
  return m.publicMessage.content.commit;
}

/** Bob's valid path Commit with its UpdatePath changed, re-signed by Bob (confirmation tag bogus: path checks come first). */
async function tamperedPath(mutate: (p: UpdatePath) => UpdatePath): Promise<Uint8Array> {
  const valid = await createCommit(bob, { forcePath: true });
  const commit = commitOf(valid.commit);
  const framed = await frameHandshake(
    bob,
    { contentType: ContentType.commit, commit: { ...commit, path: mutate(commit.path!) } },
    { confirmationTag: new Uint8Array(cs.hashLength) },
  );
  return framed.message;
}

const validFromCarol = async (): Promise<Uint8Array> => (await createCommit(carol, { forcePath: true })).commit;

describe("§12.4.2 UpdatePath checks (processMessage)", () => {
  it("rejects a path with the wrong number of nodes", async () => {
    const msg = await tamperedPath((p) => ({ ...p, nodes: p.nodes.slice(0, -1) }));
    await expectRejectedThenValid(alice, msg, "tree/update-path-length", "7.6", await validFromCarol());
  });
  it("rejects a path leaf with a bad signature", async () => {
    const msg = await tamperedPath((p) => {
      const signature = p.leafNode.signature.slice();
      signature[0]! ^= 1;
      return { ...p, leafNode: { ...p.leafNode, signature } };
    });
    await expectRejectedThenValid(alice, msg, "tree/leaf-signature-invalid", "7.3", await validFromCarol());
  });
  it("rejects a path whose node keys do not match the leaf's parent_hash", async () => {
    const fresh = await cs.hpkeGenerateKeyPair();
    const msg = await tamperedPath((p) => ({ ...p, nodes: p.nodes.map((n, i) => (i === p.nodes.length - 1 ? { ...n, encryptionKey: fresh.publicKey } : n)) }));
    await expectRejectedThenValid(alice, msg, "tree/parent-hash-invalid", "7.9.2", await validFromCarol());
  });
  it("rejects a path whose encrypted path secret was tampered with", async () => {
    const msg = await tamperedPath((p) => ({
      ...p,
      nodes: p.nodes.map((n) => ({
        ...n,
        encryptedPathSecret: n.encryptedPathSecret.map((ct) => {
          const ciphertext = ct.ciphertext.slice();
          ciphertext[0]! ^= 1;
          return { ...ct, ciphertext };
        }),
      })),
    }));
    await expectRejectedThenValid(alice, msg, "tree/path-secret-decryption", "7.5", await validFromCarol());
  });
});

describe("§12.4.3.1 Welcome GroupInfo checks", () => {
  /** Dave's Welcome from Alice with its GroupInfo changed and everything re-encrypted to Dave. */
  async function resealed(mutate: (gi: GroupInfo) => Promise<GroupInfo>): Promise<{ forged: Uint8Array; valid: Uint8Array }> {
    const dave = clients[3]!;
    const c = await createCommit(alice, { proposals: [{ add: kpOf(dave) }] });
    const m = decodeMlsMessage(c.welcome!);
    if (m.wireFormat !== WireFormat.mls_welcome) throw new Error("not a welcome");
    const w = m.welcome;
    const kp = dave.kp.keyPackage;
    const src = { groupId: new Uint8Array(0), resumption: new Map(), services };
    const { groupSecrets, groupInfo, pskSecret } = await decryptWelcome(cs, w, kp, dave.kp.privateKeys.initPrivateKey, src);
    const { key, nonce } = await welcomeKeyNonce(cs, await deriveWelcomeSecret(cs, groupSecrets.joinerSecret, pskSecret));
    const encryptedGroupInfo = await cs.aeadSeal(key, nonce, new Uint8Array(0), encode(groupInfoCodec, await mutate(groupInfo)));
    const ct = await encryptWithLabel(cs, kp.initKey, "Welcome", encryptedGroupInfo, encode(groupSecretsCodec, groupSecrets));
    const forged = encodeMlsMessage({
      version: 1,
      wireFormat: WireFormat.mls_welcome,
      welcome: { cipherSuite: w.cipherSuite, secrets: [{ newMember: w.secrets[0]!.newMember, encryptedGroupSecrets: ct }], encryptedGroupInfo },
    });
    return { forged, valid: c.welcome! };
  }

  it("rejects a GroupInfo with a bad signature", async () => {
    const { forged, valid } = await resealed(async (gi) => {
      const signature = gi.signature.slice();
      signature[3]! ^= 1;
      return { ...gi, signature };
    });
    const e = await validationErrorOf(join(cs, clients[3]!, forged));
    expect([e.code, e.rfcSection]).toEqual(["welcome/invalid-group-info-signature", "12.4.3.1"]);
    expect((await join(cs, clients[3]!, valid)).groupContext.epoch).toBe(alice.groupContext.epoch + 1n);
  });
  it("rejects a correctly signed GroupInfo with a bad confirmation tag", async () => {
    const { forged, valid } = await resealed(async (gi) => {
      const confirmationTag = gi.confirmationTag.slice();
      confirmationTag[0]! ^= 1;
      return signGroupInfo(cs, clients[0]!.signaturePrivateKey, { groupContext: gi.groupContext, extensions: gi.extensions, confirmationTag, signer: gi.signer });
    });
    const e = await validationErrorOf(join(cs, clients[3]!, forged));
    expect([e.code, e.rfcSection]).toEqual(["welcome/invalid-confirmation-tag", "12.4.3.1"]);
    expect((await join(cs, clients[3]!, valid)).groupContext.epoch).toBe(alice.groupContext.epoch + 1n);
  });
});

describe("§12.2 external Commit proposal lists", () => {
  let groupInfo: Uint8Array;
  let a: GroupState;
  let valid: Uint8Array;
  const dave = (): TestClient => clients[3]!;
  const externalJoin = (removeOwnLeaf?: LeafIndex) =>
    joinByExternalCommit({
      cs,
      groupInfo,
      credential: dave().kp.keyPackage.leafNode.credential,
      signaturePrivateKey: dave().signaturePrivateKey,
      signaturePublicKey: dave().kp.keyPackage.leafNode.signatureKey,
      services,
      ...(removeOwnLeaf !== undefined ? { removeOwnLeaf } : {}),
    });
  beforeAll(async () => {
    const c = await createCommit(alice, { forcePath: true, groupInfo: { externalPub: true } });
    a = mergePendingCommit(c.state);
    groupInfo = c.groupInfo!;
    valid = (await externalJoin()).commit;
  });

  /** Dave's valid external Commit with its proposal list (and path) replaced, re-signed by Dave. */
  async function forged(edit: (proposals: Proposal[]) => Proposal[], dropPath = false): Promise<Uint8Array> {
    const m = decodeMlsMessage(valid);
    if (m.wireFormat !== WireFormat.mls_public_message || m.publicMessage.content.contentType !== ContentType.commit) throw new Error("bad");
    const content = m.publicMessage.content;
    const proposals = edit(content.commit.proposals.map((p) => (p.type === ProposalOrRefType.proposal ? p.proposal : (undefined as never))));
    const commit: Commit = { proposals: proposals.map((proposal) => ({ type: ProposalOrRefType.proposal, proposal })), path: dropPath ? undefined : content.commit.path };
    const pm = await createPublicMessage(a.framing, {
      content: { ...content, commit } as FramedContent,
      signaturePrivateKey: dave().signaturePrivateKey,
      confirmationTag: new Uint8Array(cs.hashLength),
    });
    return encodeMlsMessage(publicMessageToMls(pm));
  }
  const rm = (l: number): Proposal => ({ proposalType: ProposalType.remove, removed: l as LeafIndex });

  it("requires exactly one ExternalInit", async () => {
    await expectRejectedThenValid(a, await forged((ps) => ps.filter((p) => p.proposalType !== ProposalType.external_init)), "proposal-list/external-init-count", "12.2", valid);
    await expectRejectedThenValid(a, await forged((ps) => [...ps, ps[0]!]), "proposal-list/external-init-count", "12.2", valid);
  });
  it("allows only ExternalInit, Remove and PreSharedKey proposals", async () => {
    const add: Proposal = { proposalType: ProposalType.add, keyPackage: kpOf(dave()) };
    await expectRejectedThenValid(a, await forged((ps) => [...ps, add]), "proposal-list/external-commit-proposals", "12.2", valid);
    const gce: Proposal = { proposalType: ProposalType.group_context_extensions, extensions: [] };
    await expectRejectedThenValid(a, await forged((ps) => [...ps, gce]), "proposal-list/external-commit-proposals", "12.2", valid);
  });
  it("allows at most one Remove, and only of the joiner's own old leaf", async () => {
    await expectRejectedThenValid(a, await forged((ps) => [...ps, rm(1), rm(2)]), "proposal-list/external-commit-removes", "12.2", valid);
    // Dave "resyncs" by removing Bob's leaf: Dave's credential is no valid successor of Bob's (§12.2, §12.1.2, §5.3.1).
    const stolen = await externalJoin(1 as LeafIndex);
    await expectRejectedThenValid(a, stolen.commit, "credential/invalid-successor", "5.3.1", valid);
  });
  it("requires a path", async () => {
    await expectRejectedThenValid(a, await forged((ps) => ps, true), "framing/external-commit-without-path", "12.4.3.2", valid);
  });
});
