import { afterAll, describe, expect, it } from "vitest";
import { decode, encode, toHex } from "@mlskit/codec";
import type { CipherSuiteProvider, CryptoProvider, HpkeEncapsulation } from "@mlskit/core";
import { encodeGroupContext } from "@mlskit/key-schedule";
import { hex, vectorReport, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { LeafNodeSource, signLeafNode } from "./leaf-node.js";
import { TreePrivateKeys, deriveNodeKeyPair } from "./private-keys.js";
import { RatchetTree } from "./ratchet-tree.js";
import { type LeafIndex, type NodeIndex, leafToNode } from "./tree-math.js";
import { createUpdatePath } from "./treekem.js";
import { decryptUpdatePath, mergeUpdatePath } from "./treekem-receive.js";
import { type UpdatePath, updatePathCodec } from "./update-path.js";

function suiteFor(provider: CryptoProvider): (id: number) => Promise<CipherSuiteProvider | string> {
  const supported = provider.supportedCipherSuites();
  return async (id) => ((await supported).includes(id) ? provider.cipherSuite(id) : `suite ${id} not supported by ${provider.name}`);
}

for (const provider of testProviders()) {
  describe(`treekem.json × ${provider.name}`, () => {
    const report = vectorReport("treekem.json", provider.name);
    afterAll(() => report.print());
    const suite = suiteFor(provider);
    vectors.treeKem().forEach((v, i) => {
      it(`case ${i} (suite ${v.cipher_suite})`, async () => {
        const cs = await suite(v.cipher_suite);
        if (typeof cs === "string") return report.skipped(cs);
        const tree = await RatchetTree.decode(cs, hex(v.ratchet_tree));
        const groupId = hex(v.group_id);
        const groupContext = (treeHash: Uint8Array) =>
          encodeGroupContext({
            version: 1,
            cipherSuite: v.cipher_suite,
            groupId,
            epoch: BigInt(v.epoch),
            treeHash,
            confirmedTranscriptHash: hex(v.confirmed_transcript_hash),
            extensions: [],
          });

        // Private states, checked against the public tree.
        const privs = new Map<number, TreePrivateKeys>();
        const sigs = new Map<number, Uint8Array>();
        for (const lp of v.leaves_private) {
          const keys: [NodeIndex, Uint8Array][] = [[leafToNode(lp.index as LeafIndex), hex(lp.encryption_priv)]];
          for (const ps of lp.path_secrets) {
            const kp = await deriveNodeKeyPair(cs, hex(ps.path_secret));
            expect(tree.isBlank(ps.node as NodeIndex)).toBe(false);
            expect(toHex(kp.publicKey)).toBe(toHex(tree.encryptionKey(ps.node as NodeIndex)!));
            keys.push([ps.node as NodeIndex, kp.privateKey]);
          }
          privs.set(lp.index, new TreePrivateKeys(lp.index as LeafIndex, keys));
          sigs.set(lp.index, hex(lp.signature_priv));
        }
        const members = [...tree.leaves()];

        for (const up of v.update_paths) {
          const sender = up.sender as LeafIndex;
          const updatePath = decode(updatePathCodec, hex(up.update_path));
          // Merge (validates the parent hash of the sender's new leaf) and check the resulting tree hash.
          const diff = tree.stage();
          await mergeUpdatePath(diff, { sender, updatePath, groupId });
          const treeHashAfter = await diff.treeHash();
          expect(toHex(treeHashAfter)).toBe(up.tree_hash_after);
          const gc = groupContext(treeHashAfter);
          for (const j of members) {
            if (j === sender) continue;
            const d = await decryptUpdatePath(diff, sender, updatePath, privs.get(j)!, gc);
            expect(toHex(d.pathSecret), `path secret of leaf ${j}`).toBe(up.path_secrets[j]);
            expect(toHex(d.commitSecret)).toBe(up.commit_secret);
          }
          expect(toHex((await diff.merge()).encode())).toBe(toHex(diff.encode()));

          // A fresh UpdatePath from the same sender, processed by every other member.
          const mine = tree.stage();
          const created = await createUpdatePath(mine, { leafIndex: sender, signaturePrivateKey: sigs.get(sender)!, groupId, groupContext });
          const theirs = tree.stage();
          await mergeUpdatePath(theirs, { sender, updatePath: decode(updatePathCodec, encodeUpdatePath(created.updatePath)), groupId });
          expect(toHex(await theirs.treeHash())).toBe(toHex(await mine.treeHash()));
          expect(toHex(theirs.encode())).toBe(toHex(mine.encode()));
          const gc2 = groupContext(await theirs.treeHash());
          for (const j of members) {
            if (j === sender) continue;
            const d = await decryptUpdatePath(theirs, sender, created.updatePath, privs.get(j)!, gc2);
            expect(toHex(d.commitSecret)).toBe(toHex(created.commitSecret));
            expect(toHex(d.pathSecret)).toBe(toHex(created.pathSecrets.get(d.node)!));
          }
        }
        report.ran();
      });
    });
  });
}

function encodeUpdatePath(p: UpdatePath): Uint8Array {
  return encode(updatePathCodec, p);
}

describe("createUpdatePath: encapsulations made ahead (RFC 9180 SealBase split at Encap)", async () => {
  const base = await testProviders()[0]!.cipherSuite(1);
  /** `base` recording every encapsulation it hands out and whether it was sealed or discarded. */
  const recording = () => {
    const made: { sealed: number; discarded: boolean }[] = [];
    const cs = new Proxy(base, {
      get(target, prop) {
        if (prop === "hpkeEncap") {
          return async (publicKey: Uint8Array): Promise<HpkeEncapsulation> => {
            const e = await target.hpkeEncap(publicKey);
            const record = { sealed: 0, discarded: false };
            made.push(record);
            return {
              kemOutput: e.kemOutput,
              seal: (info, aad, pt) => (record.sealed++, e.seal(info, aad, pt)),
              discard: () => ((record.discarded = true), e.discard()),
            };
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { cs, made };
  };
  const v = vectors.treeKem().find((t) => t.cipher_suite === 1)!;
  const sender = v.leaves_private[0]!;
  const groupContext = () => new Uint8Array(8);

  it("seals each encapsulation once, one per resolution node", async () => {
    const { cs, made } = recording();
    const tree = await RatchetTree.decode(cs, hex(v.ratchet_tree));
    const created = await createUpdatePath(tree.stage(), {
      leafIndex: sender.index as LeafIndex,
      signaturePrivateKey: hex(sender.signature_priv),
      groupId: hex(v.group_id),
      groupContext,
    });
    const ciphertexts = created.updatePath.nodes.reduce((n, node) => n + node.encryptedPathSecret.length, 0);
    expect(ciphertexts).toBeGreaterThan(0);
    expect(made.length).toBe(ciphertexts);
    expect(made.every((r) => r.sealed === 1)).toBe(true);
  });

  it("discards every encapsulation when the path cannot be made", async () => {
    const { cs, made } = recording();
    const tree = await RatchetTree.decode(cs, hex(v.ratchet_tree));
    const failing = createUpdatePath(tree.stage(), {
      leafIndex: sender.index as LeafIndex,
      signaturePrivateKey: new Uint8Array(3), // not an Ed25519 key: signing the new leaf fails
      groupId: hex(v.group_id),
      groupContext,
    });
    await expect(failing).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 0)); // the discards run as the encapsulations settle
    expect(made.length).toBeGreaterThan(0);
    expect(made.every((r) => r.sealed === 0 && r.discarded)).toBe(true);
  });
});

describe("createUpdatePath over blank parents: N - 1 encryptions, sealed in one batch where the provider has hpkeSealBatch", () => {
  for (const provider of testProviders()) {
    it(`${provider.name}: 100 members from KeyPackages; the first one's path is decrypted by every other member`, async () => {
      const cs = await provider.cipherSuite(1);
      const members = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const sig = await cs.signatureGenerateKeyPair();
          const enc = await cs.hpkeGenerateKeyPair();
          const leaf = await signLeafNode(cs, sig.privateKey, {
            encryptionKey: enc.publicKey,
            signatureKey: sig.publicKey,
            credential: { credentialType: 1, identity: Uint8Array.of(i) },
            capabilities: { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1] },
            leafNodeSource: LeafNodeSource.key_package,
            lifetime: { notBefore: 0n, notAfter: 2n ** 64n - 1n },
            extensions: [],
          });
          return { leaf, sig, enc };
        }),
      );
      const d0 = (await RatchetTree.create(cs, members[0]!.leaf)).stage();
      for (const m of members.slice(1)) d0.addLeaf(m.leaf);
      const tree = await d0.merge();
      const groupId = Uint8Array.of(9);
      const groupContext = (h: Uint8Array) => h;
      const mine = tree.stage();
      const created = await createUpdatePath(mine, { leafIndex: 0 as LeafIndex, signaturePrivateKey: members[0]!.sig.privateKey, groupId, groupContext });
      // Blank parents: the resolution of each copath node is every leaf under it.
      expect(created.updatePath.nodes.reduce((n, node) => n + node.encryptedPathSecret.length, 0)).toBe(99);
      const theirs = tree.stage();
      await mergeUpdatePath(theirs, { sender: 0 as LeafIndex, updatePath: created.updatePath, groupId });
      const gc = await theirs.treeHash();
      for (let j = 1; j < 100; j++) {
        const keys = new TreePrivateKeys(j as LeafIndex, [[leafToNode(j as LeafIndex), members[j]!.enc.privateKey]]);
        const d = await decryptUpdatePath(theirs, 0 as LeafIndex, created.updatePath, keys, gc);
        expect(toHex(d.commitSecret), `leaf ${j}`).toBe(toHex(created.commitSecret));
      }
    });
  }
});
