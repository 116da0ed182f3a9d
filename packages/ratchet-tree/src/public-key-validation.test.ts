/**
 * Public keys in a joiner's tree and in an UpdatePath (issue 13; RFC 9420
 * §12.4.3.1, §12.4.2, §5.1.1; RFC 9180 §7.1.1): every node's encryption
 * key, parents included, is one DeserializePublicKey accepts, and a leaf
 * whose signature fails because its key is invalid is reported as such. The
 * trees and paths are otherwise consistent (signatures made, parent-hash
 * chains computed over the bad key), so the key check is what refuses them;
 * the base tree stays bit-for-bit unchanged.
 */
import { describe, expect, it } from "vitest";
import { decode, toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, HpkeKemId, ValidationError } from "@mlskit/core";
import { encodeGroupContext } from "@mlskit/key-schedule";
import { hex, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { type LeafNode, signLeafNode } from "./leaf-node.js";
import { type Node, NodeType, ratchetTreeCodec } from "./node.js";
import { computeParentHash } from "./parent-hash.js";
import type { ParentNode } from "./parent-node.js";
import { TreePrivateKeys, deriveNodeKeyPair } from "./private-keys.js";
import { RatchetTree } from "./ratchet-tree.js";
import { signedKeyPackageLeaf } from "./signed-leaf.fixture.js";
import { type LeafIndex, type NodeIndex, leafToNode } from "./tree-math.js";
import { validateTree } from "./tree-validation.js";
import { createUpdatePath } from "./treekem.js";
import { applyUpdatePath } from "./treekem-receive.js";

const r = (byte: string, n: number): string => byte.repeat(n);

/** Encryption keys DeserializePublicKey refuses, per KEM. */
function badHpkeKeys(cs: CipherSuiteProvider, valid: Uint8Array): [string, Uint8Array][] {
  const truncated: [string, Uint8Array] = ["truncated key", valid.slice(0, valid.length - 1)];
  if (cs.suite.kem === HpkeKemId.DHKEM_X25519_HKDF_SHA256) {
    return [["low-order X25519 point (u = 1)", hex("01" + r("00", 31))], ["all-zero X25519 key", new Uint8Array(32)], truncated];
  }
  const off = valid.slice();
  off[off.length - 1]! ^= 1;
  const compressed = valid.slice(0, 33);
  compressed[0] = 0x02 | (valid[64]! & 1);
  return [["P-256 point off the curve", off], ["compressed P-256 point", compressed], ["all-zero P-256 key", new Uint8Array(65)], truncated];
}

async function expectTreeRejected(tree: RatchetTree, groupId: Uint8Array, code: string, mention: string): Promise<void> {
  const before = toHex(tree.encode());
  const err = await validateTree(tree, { groupId }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ValidationError.isInstance(err), String(err)).toBe(true);
  expect([(err as ValidationError).code, (err as ValidationError).rfcSection], (err as Error).message).toEqual([code, "12.4.3.1"]);
  expect((err as Error).message).toContain(mention);
  expect(toHex(tree.encode())).toBe(before);
}

for (const provider of testProviders()) {
  for (const suite of [1, 2]) {
    // A tree of the official vectors with non-blank parents.
    const source = vectors.treeValidation().find((v) => {
      if (v.cipher_suite !== suite) return false;
      return decode(ratchetTreeCodec, hex(v.tree)).some((n) => n?.nodeType === NodeType.parent);
    })!;
    const groupId = hex(source.group_id);

    describe(`joiner's tree × ${provider.name}, suite ${suite}`, () => {
      it("refuses a parent node whose encryption key is invalid (tree/invalid-encryption-key)", async () => {
        const cs = await provider.cipherSuite(suite);
        const nodes = decode(ratchetTreeCodec, hex(source.tree)) as (Node | undefined)[];
        const p = nodes.findIndex((n) => n?.nodeType === NodeType.parent);
        const parent = (nodes[p] as { parentNode: ParentNode }).parentNode;
        await validateTree(await RatchetTree.fromNodes(cs, nodes), { groupId });
        for (const [what, key] of badHpkeKeys(cs, parent.encryptionKey)) {
          const bad = nodes.slice();
          bad[p] = { nodeType: NodeType.parent, parentNode: { ...parent, encryptionKey: key } };
          // Before the parent-hash chain (which the new key also breaks) is looked at.
          await expectTreeRejected(await RatchetTree.fromNodes(cs, bad), groupId, "tree/invalid-encryption-key", `parent node ${p}`);
          void what;
        }
      });

      /** The vector tree with one more leaf: a member's KeyPackage leaf, signed with a fresh real key, with `patch` applied. */
      async function withNewLeaf(cs: CipherSuiteProvider, patch: (real: { encryptionKey: Uint8Array; signatureKey: Uint8Array }) => Partial<LeafNode>) {
        const base = await RatchetTree.decode(cs, hex(source.tree));
        const leaf = await signedKeyPackageLeaf(cs, base.leafNode(0 as LeafIndex)!, patch);
        const d = base.stage();
        const l = d.addLeaf(leaf);
        return { tree: await d.merge(), leafIndex: l };
      }

      it("refuses a leaf whose encryption key is invalid (tree/invalid-encryption-key)", async () => {
        const cs = await provider.cipherSuite(suite);
        const genuine = await withNewLeaf(cs, () => ({}));
        await validateTree(genuine.tree, { groupId });
        for (const [, key] of badHpkeKeys(cs, genuine.tree.encryptionKey(leafToNode(genuine.leafIndex))!)) {
          const { tree, leafIndex } = await withNewLeaf(cs, () => ({ encryptionKey: key }));
          await expectTreeRejected(tree, groupId, "tree/invalid-encryption-key", `leaf ${leafIndex}`);
        }
      });

      it("names a leaf's invalid signature key as the cause (tree/invalid-signature-key)", async () => {
        const cs = await provider.cipherSuite(suite);
        const natives = provider.name === "webcrypto" && suite === 1;
        const cases: [string, (real: Uint8Array) => Uint8Array, string][] =
          suite === 1
            ? [
                ["the neutral Ed25519 point", () => hex("01" + r("00", 31)), "tree/invalid-signature-key"],
                // crypto.subtle alone cannot decode an EdDSA point: the signature is what fails there.
                ["an Ed25519 encoding that is no point", () => hex("02" + r("00", 31)), natives ? "tree/leaf-signature-invalid" : "tree/invalid-signature-key"],
              ]
            : [
                ["a compressed P-256 key", (k) => Uint8Array.of(0x02 | (k[64]! & 1), ...k.subarray(1, 33)), "tree/invalid-signature-key"],
                ["a P-256 key off the curve", (k) => Uint8Array.of(...k.subarray(0, 64), k[64]! ^ 1), "tree/invalid-signature-key"],
              ];
        for (const [what, key, code] of cases) {
          const { tree, leafIndex } = await withNewLeaf(cs, (real) => ({ signatureKey: key(real.signatureKey) }));
          const before = toHex(tree.encode());
          const err = (await validateTree(tree, { groupId }).catch((e: unknown) => e)) as ValidationError;
          expect(ValidationError.isInstance(err), `${what}: ${String(err)}`).toBe(true);
          expect(err.code, `${what}: ${err.message}`).toBe(code);
          expect(err.message).toContain(`leaf ${leafIndex}`);
          if (what.startsWith("a compressed")) expect(err.message).toContain("RFC 9420 §5.1.1 requires the uncompressed encoding");
          expect(toHex(tree.encode())).toBe(before);
        }
      });
    });
  }

  describe(`UpdatePath keys × ${provider.name}`, () => {
    const v = vectors.treeKem().find((x) => x.cipher_suite === 1 && x.leaves_private.length >= 4)!;
    const groupId = hex(v.group_id);
    const groupContext = (treeHash: Uint8Array) =>
      encodeGroupContext({ version: 1, cipherSuite: 1, groupId, epoch: BigInt(v.epoch), treeHash, confirmedTranscriptHash: hex(v.confirmed_transcript_hash), extensions: [] });

    async function setup() {
      const cs = await provider.cipherSuite(1);
      const tree = await RatchetTree.decode(cs, hex(v.ratchet_tree));
      const members = [...tree.leaves()];
      const sender = members[0]!;
      const receiver = members[members.length - 1]!;
      const lp = (l: number) => v.leaves_private.find((p) => p.index === l)!;
      const senderSig = hex(lp(sender).signature_priv);
      const keys: [NodeIndex, Uint8Array][] = [[leafToNode(receiver), hex(lp(receiver).encryption_priv)]];
      for (const ps of lp(receiver).path_secrets) keys.push([ps.node as NodeIndex, (await deriveNodeKeyPair(cs, hex(ps.path_secret))).privateKey]);
      const created = await createUpdatePath(tree.stage(), { leafIndex: sender, signaturePrivateKey: senderSig, groupId, groupContext });
      return { cs, tree, sender, senderSig, receiverKeys: new TreePrivateKeys(receiver, keys), created };
    }

    async function expectPathRejected(s: Awaited<ReturnType<typeof setup>>, updatePath: typeof s.created.updatePath, code: string, section: string): Promise<void> {
      const before = toHex(s.tree.encode());
      const err = await applyUpdatePath(s.tree.stage(), { sender: s.sender, updatePath, groupId, groupContext, privateKeys: s.receiverKeys }).catch((e: unknown) => e);
      expect(ValidationError.isInstance(err), String(err)).toBe(true);
      expect([(err as ValidationError).code, (err as ValidationError).rfcSection], (err as Error).message).toEqual([code, section]);
      expect(toHex(s.tree.encode())).toBe(before);
    }

    it("refuses a leaf encryption_key that is a low-order point, though everything else is consistent", async () => {
      const s = await setup();
      // Nobody derives the committer's leaf key: without the check, this path would merge and decrypt.
      for (const key of [hex("01" + r("00", 31)), new Uint8Array(32)]) {
        const leaf = s.created.updatePath.leafNode;
        const { signature: _s, ...content } = leaf;
        const leafNode = await signLeafNode(s.cs, s.senderSig, { ...content, encryptionKey: key }, { groupId, leafIndex: s.sender });
        await expectPathRejected(s, { ...s.created.updatePath, leafNode }, "leaf-node/invalid-encryption-key", "5.1.1");
      }
    });

    it("refuses a node key that is a low-order point, with a parent-hash chain computed over it", async () => {
      const s = await setup();
      const nodes = s.created.updatePath.nodes.slice();
      const last = nodes.length - 1;
      nodes[last] = { ...nodes[last]!, encryptionKey: new Uint8Array(32) };
      const d = s.tree.stage();
      d.blankDirectPath(s.sender);
      const path = d.filteredDirectPathWithCopath(s.sender);
      await d.computeHashes();
      let ph: Uint8Array = new Uint8Array(0);
      for (let i = path.length - 1; i >= 0; i--) ph = await computeParentHash(s.cs, nodes[i]!.encryptionKey, ph, d.hashOf(path[i]!.copathChild));
      const { signature: _s, ...content } = s.created.updatePath.leafNode;
      const leafNode = await signLeafNode(s.cs, s.senderSig, { ...content, parentHash: ph }, { groupId, leafIndex: s.sender });
      await expectPathRejected(s, { leafNode, nodes }, "update-path/invalid-node-key", "12.4.2");
    });

    it("accepts the untampered path", async () => {
      const s = await setup();
      const r2 = await applyUpdatePath(s.tree.stage(), { sender: s.sender, updatePath: s.created.updatePath, groupId, groupContext, privateKeys: s.receiverKeys });
      expect(toHex(r2.decrypted!.commitSecret)).toBe(toHex(s.created.commitSecret));
    });
  });
}
