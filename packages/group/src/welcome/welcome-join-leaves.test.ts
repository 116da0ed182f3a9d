/**
 * A joiner's leaf checks (RFC 9420 §12.4.3.1 with §7.3, §5.3.1) while the
 * rest of the join goes on: the leaf signatures are verified partly on the
 * provider's thread pool while the GroupInfo signature, the path secrets and
 * the key schedule are done, and the join still fails on a bad leaf, naming
 * the lowest bad one, whatever later step fails too. The forged Welcomes are
 * otherwise correct: the GroupContext's tree hash is the forged tree's, its
 * confirmation tag made again, the GroupInfo signed by its signer and
 * encrypted under the joiner's secrets.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { decode, encode } from "@mlskit/codec";
import { BasicIdentityProvider, type CipherSuiteProvider, ExtensionType, WireFormat, encryptWithLabel } from "@mlskit/core";
import { createConfirmationTag, deriveEpochSecrets, deriveWelcomeSecret, encodeGroupContext } from "@mlskit/key-schedule";
import { type LeafNode, type Node, NodeType, RatchetTree, ratchetTreeCodec } from "@mlskit/ratchet-tree";
import { testProviders } from "@mlskit/test-vectors/providers";
import { welcomeKeyNonce } from "../commit/commit-common.js";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { decodeMlsMessage, encodeMlsMessage } from "../framing/mls-message.js";
import { type TestClient, client, join, kpOf, newGroup, services } from "../group.fixture.js";
import { groupPolicy } from "../policy/group-policy.js";
import { validationErrorOf } from "../rejection.fixture.js";
import type { GroupState } from "../state/group-state.js";
import { groupInfoCodec, signGroupInfo } from "./group-info.js";
import { decryptWelcome, joinFromWelcome } from "./welcome-join.js";
import { groupSecretsCodec } from "./welcome.js";

const flipped = (b: Uint8Array, i: number): Uint8Array => {
  const c = b.slice();
  c[i] = (c[i] ?? 0) ^ 1;
  return c;
};

for (const provider of testProviders()) {
  describe(`a joiner's leaf checks × ${provider.name}`, () => {
    let cs: CipherSuiteProvider;
    let clients: TestClient[]; // alice (leaf 0, the committer and GroupInfo signer), bob, carol, erin, frank; dave joins at leaf 5
    let alice: GroupState;
    let welcome: Uint8Array;
    const dave = () => clients[5] as TestClient;
    beforeAll(async () => {
      cs = await provider.cipherSuite(1);
      clients = await Promise.all(["alice", "bob", "carol", "erin", "frank", "dave"].map((n) => client(cs, n)));
      alice = await newGroup(cs, clients[0] as TestClient);
      const add = await createCommit(alice, { proposals: clients.slice(1, 5).map((c) => ({ add: kpOf(c) })) });
      alice = mergePendingCommit(add.state);
      welcome = (await createCommit(alice, { proposals: [{ add: kpOf(dave()) }] })).welcome as Uint8Array;
    });

    /** Alice's Welcome for Dave with the signatures of `badLeaves` flipped, the tree hash made again, the GroupInfo signed with `signer`'s key. */
    async function forged(badLeaves: readonly number[], signerKey?: Uint8Array): Promise<Uint8Array> {
      const m = decodeMlsMessage(welcome);
      if (m.wireFormat !== WireFormat.mls_welcome) throw new Error("not a welcome");
      const kp = dave().kp.keyPackage;
      const src = { groupId: new Uint8Array(0), resumption: new Map(), services };
      const { groupSecrets, groupInfo, pskSecret } = await decryptWelcome(cs, m.welcome, kp, dave().kp.privateKeys.initPrivateKey, src);
      const treeExt = groupInfo.extensions.find((e) => e.extensionType === ExtensionType.ratchet_tree);
      if (treeExt === undefined) throw new Error("no ratchet_tree");
      const nodes = decode(ratchetTreeCodec, treeExt.extensionData) as (Node | undefined)[];
      for (const l of badLeaves) {
        const leaf = (nodes[2 * l] as { leafNode: LeafNode }).leafNode;
        nodes[2 * l] = { nodeType: NodeType.leaf, leafNode: { ...leaf, signature: flipped(leaf.signature, 9) } };
      }
      const treeHash = await (await RatchetTree.fromNodes(cs, nodes)).treeHash();
      const extensions = groupInfo.extensions.map((e) => (e === treeExt ? { extensionType: e.extensionType, extensionData: encode(ratchetTreeCodec, nodes) } : e));
      // The confirmation tag made again for the forged GroupContext, so that only the leaves (or the GroupInfo signature) are bad.
      const groupContext = { ...groupInfo.groupContext, treeHash };
      const epoch = await deriveEpochSecrets(cs, {
        joinerSecret: groupSecrets.joinerSecret.slice(),
        pskSecret: pskSecret?.slice(),
        groupContext: encodeGroupContext(groupContext),
      });
      const confirmationTag = await createConfirmationTag(cs, epoch.confirmationKey, groupContext.confirmedTranscriptHash);
      const gi = await signGroupInfo(cs, signerKey ?? (clients[0] as TestClient).signaturePrivateKey, { groupContext, extensions, confirmationTag, signer: groupInfo.signer });
      const { key, nonce } = await welcomeKeyNonce(cs, await deriveWelcomeSecret(cs, groupSecrets.joinerSecret, pskSecret));
      const encryptedGroupInfo = await cs.aeadSeal(key, nonce, new Uint8Array(0), encode(groupInfoCodec, gi));
      const ct = await encryptWithLabel(cs, kp.initKey, "Welcome", encryptedGroupInfo, encode(groupSecretsCodec, groupSecrets));
      const secrets = [{ newMember: (m.welcome.secrets[0] as (typeof m.welcome.secrets)[number]).newMember, encryptedGroupSecrets: ct }];
      return encodeMlsMessage({ version: 1, wireFormat: WireFormat.mls_welcome, welcome: { cipherSuite: m.welcome.cipherSuite, secrets, encryptedGroupInfo } });
    }

    it("joins from the genuine Welcome, and from one forged with no change (the forgery itself is sound)", async () => {
      expect((await join(cs, dave(), welcome)).ownLeaf).toBe(5);
      expect((await join(cs, dave(), await forged([]))).ownLeaf).toBe(5);
    });

    it("refuses a bad signature on any member's leaf, naming it (tree/leaf-signature-invalid, §7.3)", async () => {
      for (const l of [0, 1, 2, 3, 4]) {
        const e = await validationErrorOf(join(cs, dave(), await forged([l])));
        expect([e.code, e.rfcSection], e.message).toEqual(["tree/leaf-signature-invalid", "7.3"]);
        expect(e.message).toContain(`leaf ${l}`);
      }
    });

    it("names the lowest bad leaf when several are bad", async () => {
      const e = await validationErrorOf(join(cs, dave(), await forged([4, 1, 3])));
      expect(e.code).toBe("tree/leaf-signature-invalid");
      expect(e.message).toContain("leaf 1");
    });

    it("reports the bad leaf, not the later bad GroupInfo signature (the tree's check comes first, §12.4.3.1)", async () => {
      const wrongKey = (clients[2] as TestClient).signaturePrivateKey;
      const good = await validationErrorOf(join(cs, dave(), await forged([], wrongKey)));
      expect(good.code).toBe("welcome/invalid-group-info-signature");
      for (const l of [1, 4]) {
        const e = await validationErrorOf(join(cs, dave(), await forged([l], wrongKey)));
        expect([e.code, e.message.includes(`leaf ${l}`)], e.message).toEqual(["tree/leaf-signature-invalid", true]);
      }
    });

    it("refuses a member's credential the Authentication Service rejects (tree/credential-invalid, §5.3.1)", async () => {
      const rejectFrank = new BasicIdentityProvider({ policy: (identity) => new TextDecoder().decode(identity) !== "frank" });
      const e = await validationErrorOf(
        joinFromWelcome({
          cs,
          welcome,
          keyPackage: dave().kp.keyPackage,
          initPrivateKey: dave().kp.privateKeys.initPrivateKey,
          encryptionPrivateKey: dave().kp.privateKeys.encryptionPrivateKey,
          signaturePrivateKey: dave().signaturePrivateKey,
          services: { identityProvider: rejectFrank },
          policy: groupPolicy(),
        }),
      );
      expect([e.code, e.rfcSection], e.message).toEqual(["tree/credential-invalid", "5.3.1"]);
      expect(e.message).toContain("leaf 4");
    });
  });
}
