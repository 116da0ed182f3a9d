/**
 * Negative tests for processing an UpdatePath (§7.5, §7.6, §7.9.2, §12.4.2):
 * each bad path is rejected with a ValidationError naming the RFC section,
 * and the base tree stays bit-for-bit unchanged (the diff is dropped).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, ValidationError, encryptWithLabel } from "@mlskit/core";
import { encodeGroupContext } from "@mlskit/key-schedule";
import { hex, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { type LeafNode, LeafNodeSource, signLeafNode } from "./leaf-node.js";
import { computeParentHash } from "./parent-hash.js";
import { TreePrivateKeys, deriveNodeKeyPair } from "./private-keys.js";
import { RatchetTree } from "./ratchet-tree.js";
import { type LeafIndex, type NodeIndex, leafToNode } from "./tree-math.js";
import { type CreatedUpdatePath, createUpdatePath } from "./treekem.js";
import { applyUpdatePath, mergeUpdatePath } from "./treekem-receive.js";
import type { UpdatePath } from "./update-path.js";

const v = vectors.treeKem().find((x) => x.cipher_suite === 1 && x.leaves_private.length >= 4)!;
const groupId = hex(v.group_id);
const groupContext = (treeHash: Uint8Array) =>
  encodeGroupContext({
    version: 1,
    cipherSuite: 1,
    groupId,
    epoch: BigInt(v.epoch),
    treeHash,
    confirmedTranscriptHash: hex(v.confirmed_transcript_hash),
    extensions: [],
  });
const flip = (b: Uint8Array, i = 0) => {
  const c = b.slice();
  c[i] = c[i]! ^ 1;
  return c;
};

for (const provider of testProviders()) {
  describe(`UpdatePath rejections × ${provider.name}`, () => {
    let cs: CipherSuiteProvider;
    let tree: RatchetTree;
    let sender: LeafIndex;
    let receiver: LeafIndex;
    let senderSig: Uint8Array;
    let receiverKeys: TreePrivateKeys;
    let created: CreatedUpdatePath;
    let before: string;
    let hashBefore: string;

    beforeAll(async () => {
      cs = await provider.cipherSuite(1);
      tree = await RatchetTree.decode(cs, hex(v.ratchet_tree));
      const members = [...tree.leaves()];
      sender = members[0]!;
      receiver = members[members.length - 1]!;
      const lp = (l: number) => v.leaves_private.find((p) => p.index === l)!;
      senderSig = hex(lp(sender).signature_priv);
      const keys: [NodeIndex, Uint8Array][] = [[leafToNode(receiver), hex(lp(receiver).encryption_priv)]];
      for (const ps of lp(receiver).path_secrets) keys.push([ps.node as NodeIndex, (await deriveNodeKeyPair(cs, hex(ps.path_secret))).privateKey]);
      receiverKeys = new TreePrivateKeys(receiver, keys);
      created = await createUpdatePath(tree.stage(), { leafIndex: sender, signaturePrivateKey: senderSig, groupId, groupContext });
      before = toHex(tree.encode());
      hashBefore = toHex(await tree.treeHash());
    });

    const resign = (leaf: LeafNode, changes: Partial<LeafNode>) => signLeafNode(cs, senderSig, { ...leaf, ...changes }, { groupId, leafIndex: sender });

    async function expectRejected(path: UpdatePath, code: string, section: string, excludedLeaves?: LeafIndex[]): Promise<void> {
      const diff = tree.stage();
      const err = await applyUpdatePath(diff, {
        sender,
        updatePath: path,
        groupId,
        groupContext,
        privateKeys: receiverKeys,
        ...(excludedLeaves ? { excludedLeaves } : {}),
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(ValidationError.isInstance(err), String(err)).toBe(true);
      expect((err as ValidationError).code).toBe(code);
      expect((err as ValidationError).rfcSection).toBe(section);
      // The diff is dropped: the base tree is bit-for-bit unchanged.
      expect(toHex(tree.encode())).toBe(before);
      expect(toHex(await tree.treeHash())).toBe(hashBefore);
    }

    it("accepts the untampered path", async () => {
      const diff = tree.stage();
      const r = await applyUpdatePath(diff, { sender, updatePath: created.updatePath, groupId, groupContext, privateKeys: receiverKeys });
      expect(toHex(r.decrypted!.commitSecret)).toBe(toHex(created.commitSecret));
      expect(toHex(tree.encode())).toBe(before);
    });

    it("tampered leaf signature → tree/leaf-signature-invalid (§7.3)", async () => {
      const leaf = created.updatePath.leafNode;
      await expectRejected({ ...created.updatePath, leafNode: { ...leaf, signature: flip(leaf.signature, 9) } }, "tree/leaf-signature-invalid", "7.3");
    });

    it("leaf parent_hash not matching the path → tree/parent-hash-invalid (§7.9.2)", async () => {
      const leaf = created.updatePath.leafNode;
      const bad = await resign(leaf, { parentHash: flip(leaf.parentHash!) });
      await expectRejected({ ...created.updatePath, leafNode: bad }, "tree/parent-hash-invalid", "7.9.2");
    });

    it("replaced path key → tree/parent-hash-invalid (§7.9.2)", async () => {
      const nodes = created.updatePath.nodes.map((n, i) => (i === 0 ? { ...n, encryptionKey: flip(n.encryptionKey, 4) } : n));
      await expectRejected({ ...created.updatePath, nodes }, "tree/parent-hash-invalid", "7.9.2");
    });

    it("path key not derived from the path secret → tree/path-key-mismatch (§7.5)", async () => {
      // A malicious committer signs a consistent parent-hash chain over a root key it did not derive.
      const nodes = created.updatePath.nodes.slice();
      const last = nodes.length - 1;
      nodes[last] = { ...nodes[last]!, encryptionKey: (await cs.hpkeGenerateKeyPair()).publicKey };
      const d = tree.stage();
      d.blankDirectPath(sender);
      const path = d.filteredDirectPathWithCopath(sender);
      await d.computeHashes();
      let ph: Uint8Array = new Uint8Array(0);
      for (let i = path.length - 1; i >= 0; i--) ph = await computeParentHash(cs, nodes[i]!.encryptionKey, ph, d.hashOf(path[i]!.copathChild));
      const leafNode = await resign(created.updatePath.leafNode, { parentHash: ph });
      // Encrypt the real path secrets under the provisional context of the tampered tree.
      const merged = tree.stage();
      await mergeUpdatePath(merged, { sender, updatePath: { leafNode, nodes }, groupId });
      const gc = groupContext(await merged.treeHash());
      const encrypted = await Promise.all(
        path.map(async (e, i) => ({
          ...nodes[i]!,
          encryptedPathSecret: await Promise.all(
            merged.resolution(e.copathChild).map((r) => encryptWithLabel(cs, merged.encryptionKey(r)!, "UpdatePathNode", gc, created.pathSecrets.get(e.node)!)),
          ),
        })),
      );
      await expectRejected({ leafNode, nodes: encrypted }, "tree/path-key-mismatch", "7.5");
    });

    it("wrong number of path nodes → tree/update-path-length (§7.6)", async () => {
      await expectRejected({ ...created.updatePath, nodes: created.updatePath.nodes.slice(1) }, "tree/update-path-length", "7.6");
    });

    it("wrong number of ciphertexts → tree/update-path-ciphertexts (§7.6)", async () => {
      const nodes = created.updatePath.nodes.map((n, i) => (i === 0 ? { ...n, encryptedPathSecret: [...n.encryptedPathSecret, n.encryptedPathSecret[0]!] } : n));
      await expectRejected({ ...created.updatePath, nodes }, "tree/update-path-ciphertexts", "7.6");
    });

    it("excluded joiners change the expected ciphertext count → tree/update-path-ciphertexts (§7.6)", async () => {
      const joiner = tree
        .filteredDirectPathWithCopath(sender)
        .flatMap((e) => tree.resolution(e.copathChild))
        .find((n) => n % 2 === 0)!;
      await expectRejected(created.updatePath, "tree/update-path-ciphertexts", "7.6", [(joiner / 2) as LeafIndex]);
    });

    it("corrupted ciphertext → tree/path-secret-decryption (§7.5)", async () => {
      const nodes = created.updatePath.nodes.map((n) => ({
        ...n,
        encryptedPathSecret: n.encryptedPathSecret.map((c) => ({ ...c, ciphertext: flip(c.ciphertext, 2) })),
      }));
      await expectRejected({ ...created.updatePath, nodes }, "tree/path-secret-decryption", "7.5");
    });

    it("leaf source not commit → tree/leaf-node-source (§12.4.2)", async () => {
      const { parentHash: _ph, ...rest } = created.updatePath.leafNode;
      const bad = await signLeafNode(cs, senderSig, { ...rest, leafNodeSource: LeafNodeSource.update }, { groupId, leafIndex: sender });
      await expectRejected({ ...created.updatePath, leafNode: bad }, "tree/leaf-node-source", "12.4.2");
    });

    it("reused leaf encryption key → tree/encryption-key-reused (§12.4.2)", async () => {
      const bad = await resign(created.updatePath.leafNode, { encryptionKey: tree.leafNode(sender)!.encryptionKey });
      await expectRejected({ ...created.updatePath, leafNode: bad }, "tree/encryption-key-reused", "12.4.2");
    });

    it("path key already in the tree → tree/duplicate-encryption-key (§12.4.2)", async () => {
      const nodes = created.updatePath.nodes.map((n, i) => (i === 0 ? { ...n, encryptionKey: tree.leafNode(receiver)!.encryptionKey } : n));
      await expectRejected({ ...created.updatePath, nodes }, "tree/duplicate-encryption-key", "12.4.2");
    });

    it("another member's signature key → tree/duplicate-signature-key (§7.3)", async () => {
      const bad = await resign(created.updatePath.leafNode, { signatureKey: tree.leafNode(receiver)!.signatureKey });
      await expectRejected({ ...created.updatePath, leafNode: bad }, "tree/duplicate-signature-key", "7.3");
    });
  });
}
