/**
 * Public keys a joiner accepts (issue 13; RFC 9420 §12.4.3.1, §12.4.3.2,
 * §5.1.1; RFC 9180 §7.1.1): every key of the ratchet tree of a Welcome, and
 * a GroupInfo's `external_pub`. The forged Welcome and GroupInfo are signed
 * and encrypted correctly (the tree hash in the GroupContext matches the
 * tree); only the key is bad. Each is refused with a typed ValidationError,
 * and the joiner then joins from the genuine Welcome / GroupInfo. And the
 * members' side of an external join: a joiner's path leaf key or ExternalInit
 * kem_output that is invalid is refused, the member's state unchanged, and
 * the genuine external Commit merges.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { decode, encode, toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, ExtensionType, ProposalType, WireFormat, encryptWithLabel } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { deriveWelcomeSecret } from "@mlskit/key-schedule";
import { type LeafNode, type Node, NodeType, RatchetTree, ratchetTreeCodec, signLeafNode } from "@mlskit/ratchet-tree";
import { type Commit, ProposalOrRefType } from "../commit/commit.js";
import { mergeStagedCommit } from "../commit/commit-process.js";
import { ContentType } from "../framing/content-type.js";
import type { FramedContent } from "../framing/framed-content.js";
import { processMessage } from "../receive/message-process.js";
import { createPublicMessage } from "../framing/public-message.js";
import { encodeGroupState } from "../state/group-state-codec.js";
import { welcomeKeyNonce } from "../commit/commit-common.js";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { joinByExternalCommit } from "./external-commit.js";
import { externalPubCodec, makeExtension } from "../extensions/extensions.js";
import { type TestClient, client, join, kpOf, newGroup, services } from "../group.fixture.js";
import { type GroupInfo, groupInfoCodec, signGroupInfo } from "./group-info.js";
import type { GroupState } from "../state/group-state.js";
import { decodeMlsMessage, encodeMlsMessage, publicMessageToMls } from "../framing/mls-message.js";
import { type LeafPatch, badHpkeKeys, badSignatureKeys, resignLeaf } from "../public-key.fixture.js";
import { validationErrorOf } from "../rejection.fixture.js";
import { decryptWelcome } from "./welcome-join.js";
import { groupSecretsCodec } from "./welcome.js";

const withoutSignature = ({ signature: _s, ...content }: LeafNode) => content;

const CASES: readonly { readonly label: string; readonly cs: () => Promise<CipherSuiteProvider> }[] = [
  { label: "noble, suite 1 (X25519, Ed25519)", cs: () => nobleCryptoProvider().cipherSuite(1) },
  { label: "noble, suite 2 (P-256, ECDSA P-256)", cs: () => nobleCryptoProvider().cipherSuite(2) },
  // crypto.subtle alone: its point check is an import (the facade's hybrid takes noble's synchronous one).
  { label: "webcrypto, suite 2 (P-256, ECDSA P-256)", cs: () => webCryptoProvider().cipherSuite(2) },
];

for (const { label, cs: csOf } of CASES) {
  describe(`public keys a joiner accepts: ${label}`, () => {
    let cs: CipherSuiteProvider;
    let alice: GroupState; // leaf 0, the committer and GroupInfo signer
    let bob: GroupState; // leaf 1, whose leaf carries the bad key
    let clients: TestClient[];
    let welcome: Uint8Array; // Alice's genuine Welcome for Dave
    beforeAll(async () => {
      cs = await csOf();
      clients = await Promise.all(["alice", "bob", "carol", "dave"].map((n) => client(cs, n)));
      alice = await newGroup(cs, clients[0]!);
      const add = await createCommit(alice, { proposals: [{ add: kpOf(clients[1]!) }, { add: kpOf(clients[2]!) }] });
      alice = mergePendingCommit(add.state);
      bob = await join(cs, clients[1]!, add.welcome!);
      welcome = (await createCommit(alice, { proposals: [{ add: kpOf(clients[3]!) }] })).welcome!;
    });
    const dave = () => clients[3]!;

    /** Alice's Welcome for Dave, with Bob's leaf in its tree replaced (re-signed by Bob), the tree hash, GroupInfo signature and encryption made again. */
    async function welcomeWithBobLeaf(patch: LeafPatch): Promise<Uint8Array> {
      const m = decodeMlsMessage(welcome);
      if (m.wireFormat !== WireFormat.mls_welcome) throw new Error("not a welcome");
      const w = m.welcome;
      const kp = dave().kp.keyPackage;
      const src = { groupId: new Uint8Array(0), resumption: new Map(), services };
      const { groupSecrets, groupInfo, pskSecret } = await decryptWelcome(cs, w, kp, dave().kp.privateKeys.initPrivateKey, src);
      const treeExt = groupInfo.extensions.find((e) => e.extensionType === ExtensionType.ratchet_tree)!;
      const nodes = decode(ratchetTreeCodec, treeExt.extensionData) as (Node | undefined)[];
      const bobLeaf = (nodes[2] as { leafNode: LeafNode }).leafNode;
      nodes[2] = { nodeType: NodeType.leaf, leafNode: await resignLeaf(bob, clients[1]!.signaturePrivateKey, bobLeaf, patch) };
      const treeHash = await (await RatchetTree.fromNodes(cs, nodes)).treeHash();
      const extensions = groupInfo.extensions.map((e) => (e === treeExt ? { extensionType: e.extensionType, extensionData: encode(ratchetTreeCodec, nodes) } : e));
      const forged: GroupInfo = await signGroupInfo(cs, clients[0]!.signaturePrivateKey, {
        groupContext: { ...groupInfo.groupContext, treeHash },
        extensions,
        confirmationTag: groupInfo.confirmationTag,
        signer: groupInfo.signer,
      });
      const { key, nonce } = await welcomeKeyNonce(cs, await deriveWelcomeSecret(cs, groupSecrets.joinerSecret, pskSecret));
      const encryptedGroupInfo = await cs.aeadSeal(key, nonce, new Uint8Array(0), encode(groupInfoCodec, forged));
      const ct = await encryptWithLabel(cs, kp.initKey, "Welcome", encryptedGroupInfo, encode(groupSecretsCodec, groupSecrets));
      return encodeMlsMessage({
        version: 1,
        wireFormat: WireFormat.mls_welcome,
        welcome: { cipherSuite: w.cipherSuite, secrets: [{ newMember: w.secrets[0]!.newMember, encryptedGroupSecrets: ct }], encryptedGroupInfo },
      });
    }

    /** Dave's KeyPackage and keys are left as they were, and the genuine Welcome joins. */
    async function expectGenuineJoin(before: string): Promise<void> {
      expect(snapshotDave()).toBe(before);
      const joined = await join(cs, dave(), welcome);
      expect(joined.groupContext.epoch).toBe(alice.groupContext.epoch + 1n);
    }
    const snapshotDave = () =>
      [dave().kp.keyPackage.initKey, dave().kp.privateKeys.initPrivateKey, dave().kp.privateKeys.encryptionPrivateKey, dave().signaturePrivateKey].map(toHex).join(".");

    describe("§12.4.3.1: the ratchet tree of a Welcome", () => {
      it("refuses a leaf whose encryption key is invalid (tree/invalid-encryption-key)", async () => {
        for (const bad of await badHpkeKeys(cs)) {
          const before = snapshotDave();
          const e = await validationErrorOf(join(cs, dave(), await welcomeWithBobLeaf({ encryptionKey: bad.key })));
          expect([e.code, e.rfcSection], `${bad.what}: ${e.message}`).toEqual(["tree/invalid-encryption-key", "12.4.3.1"]);
          expect(e.message).toContain("leaf 1");
          await expectGenuineJoin(before);
        }
      });
      it("names a leaf's invalid signature key as the cause (tree/invalid-signature-key)", async () => {
        for (const bad of badSignatureKeys(cs, bob.tree.signatureKey(bob.ownLeaf)!)) {
          const before = snapshotDave();
          const e = await validationErrorOf(join(cs, dave(), await welcomeWithBobLeaf({ signatureKey: bad.key })));
          expect([e.code, e.rfcSection], `${bad.what}: ${e.message}`).toEqual(["tree/invalid-signature-key", "12.4.3.1"]);
          await expectGenuineJoin(before);
        }
      });
    });

    describe("§12.4.3.2: external_pub of a GroupInfo", () => {
      it("refuses an invalid external_pub (group-info/invalid-external-pub); the genuine GroupInfo joins", async () => {
        const c = await createCommit(alice, { forcePath: true, groupInfo: { externalPub: true } });
        const genuine = c.groupInfo!;
        const m = decodeMlsMessage(genuine);
        if (m.wireFormat !== WireFormat.mls_group_info) throw new Error("not a GroupInfo");
        const gi = m.groupInfo;
        const externalJoin = (groupInfo: Uint8Array) =>
          joinByExternalCommit({
            cs,
            groupInfo,
            credential: dave().kp.keyPackage.leafNode.credential,
            signaturePrivateKey: dave().signaturePrivateKey,
            signaturePublicKey: dave().kp.keyPackage.leafNode.signatureKey,
            services,
          });
        for (const bad of await badHpkeKeys(cs)) {
          const extensions = gi.extensions.map((e) =>
            e.extensionType === ExtensionType.external_pub ? makeExtension(ExtensionType.external_pub, externalPubCodec, { externalPub: bad.key }) : e,
          );
          const forged = await signGroupInfo(cs, clients[0]!.signaturePrivateKey, {
            groupContext: gi.groupContext,
            extensions,
            confirmationTag: gi.confirmationTag,
            signer: gi.signer,
          });
          const bytes = encodeMlsMessage({ version: 1, wireFormat: WireFormat.mls_group_info, groupInfo: forged });
          const e = await validationErrorOf(externalJoin(bytes));
          expect([e.code, e.rfcSection], `${bad.what}: ${e.message}`).toEqual(["group-info/invalid-external-pub", "12.4.3.2"]);
          expect(e.message).toContain("RFC 9180 §7.1.1");
        }
        const joined = await externalJoin(genuine);
        expect(joined.state.groupContext.epoch).toBe(alice.groupContext.epoch + 2n);
      });
    });

    describe("§12.4.2 / §12.4.3.2: members receiving an external Commit", () => {
      it("refuse a joiner's path leaf key or ExternalInit kem_output that is invalid, their state unchanged; the genuine one merges", async () => {
        const c = await createCommit(alice, { forcePath: true, groupInfo: { externalPub: true } });
        const member = mergePendingCommit(c.state);
        const joined = await joinByExternalCommit({
          cs,
          groupInfo: c.groupInfo!,
          credential: dave().kp.keyPackage.leafNode.credential,
          signaturePrivateKey: dave().signaturePrivateKey,
          signaturePublicKey: dave().kp.keyPackage.leafNode.signatureKey,
          services,
        });
        const m = decodeMlsMessage(joined.commit);
        if (m.wireFormat !== WireFormat.mls_public_message || m.publicMessage.content.contentType !== ContentType.commit) throw new Error("not a public commit");
        const content = m.publicMessage.content;
        const commit = content.commit;
        /** Dave's external Commit with `edit` applied, signed again by Dave (confirmation tag bogus: the key checks come first). */
        const forged = async (edit: (c: Commit) => Promise<Commit>): Promise<Uint8Array> => {
          const pm = await createPublicMessage(member.framing, {
            content: { ...content, commit: await edit(commit) } as FramedContent,
            signaturePrivateKey: dave().signaturePrivateKey,
            confirmationTag: new Uint8Array(cs.hashLength),
          });
          return encodeMlsMessage(publicMessageToMls(pm));
        };
        const refused = async (message: Uint8Array, code: string, section: string) => {
          const before = toHex(encodeGroupState(member));
          const e = await validationErrorOf(processMessage(member, message));
          expect([e.code, e.rfcSection], e.message).toEqual([code, section]);
          expect(toHex(encodeGroupState(member))).toBe(before);
        };
        for (const bad of await badHpkeKeys(cs)) {
          const leafKey = await forged(async (x) => ({
            ...x,
            path: {
              ...x.path!,
              leafNode: await signLeafNode(
                cs,
                dave().signaturePrivateKey,
                { ...withoutSignature(x.path!.leafNode), encryptionKey: bad.key },
                {
                  groupId: member.groupContext.groupId,
                  leafIndex: joined.state.ownLeaf,
                },
              ),
            },
          }));
          await refused(leafKey, "leaf-node/invalid-encryption-key", "5.1.1");
          // kem_output is the joiner's ephemeral public key (RFC 9180 §7.1.4: the recipient validates it): decapsulation refuses it.
          const kemOutput = await forged(async (x) => ({
            ...x,
            proposals: x.proposals.map((p) =>
              p.type === ProposalOrRefType.proposal && p.proposal.proposalType === ProposalType.external_init
                ? { type: ProposalOrRefType.proposal, proposal: { proposalType: ProposalType.external_init, kemOutput: bad.key } }
                : p,
            ),
          }));
          await refused(kemOutput, "commit/external-init", "8.3");
        }
        const r = await processMessage(member, joined.commit);
        expect(r.kind).toBe("commit");
        if (r.kind === "commit") expect(mergeStagedCommit(r.staged).groupContext.epoch).toBe(member.groupContext.epoch + 1n);
      });
    });
  });
}
