/** Reserving our own generations ahead of sealing: the exported state stands after them, and no restart hands them out again. */
import { bytesEqual } from "@mlskit/codec";
import { UsageError } from "@mlskit/core";
import { testProviders } from "@mlskit/test-vectors/providers";
import { describe, expect, it } from "vitest";
import { SecretTree } from "./secret-tree.js";

describe("SecretTree.reserve (RFC 9420 §9.2: a key and nonce are used once, across restarts too)", async () => {
  const cs = await testProviders()[0]!.cipherSuite(1);

  it("serves reserved keys in order, and the exported state is already past them", async () => {
    const secret = cs.randomBytes(cs.hashLength);
    const tree = new SecretTree(cs, secret, 4);
    const reference = new SecretTree(cs, secret, 4);
    await tree.reserve(2, "application", 3);
    const exported = tree.exportState();
    const leaf = exported.leaves.find((l) => l.leaf === 2)!;
    expect(leaf.application.generation).toBe(3);
    expect(leaf.application.skipped).toHaveLength(0);
    for (let g = 0; g < 3; g++) {
      const k = await tree.nextKey(2, "application");
      const want = await reference.nextKey(2, "application");
      expect(k.generation).toBe(g);
      expect(bytesEqual(k.key, want.key) && bytesEqual(k.nonce, want.nonce)).toBe(true);
    }
    // Once the reservation is used up, the ratchet goes on from where it stood.
    expect((await tree.nextKey(2, "application")).generation).toBe(3);
    // The other ratchet of the leaf, and other leaves, are untouched.
    expect((await tree.nextKey(2, "handshake")).generation).toBe(0);
  });

  it("a tree restored from a state stored after a reservation never hands the reserved generations out", async () => {
    const tree = new SecretTree(cs, cs.randomBytes(cs.hashLength), 2);
    await tree.reserve(0, "application", 2);
    const restored = SecretTree.fromState(cs, tree.exportState());
    const used = [await tree.nextKey(0, "application"), await tree.nextKey(0, "application")].map((k) => k.generation);
    const after = await restored.nextKey(0, "application");
    expect(used).toEqual([0, 1]);
    expect(after.generation).toBe(2);
  });

  it("counts as a change, refuses a bad count, and wipes reserved keys with the tree", async () => {
    const tree = new SecretTree(cs, cs.randomBytes(cs.hashLength), 2);
    const before = tree.changeCount;
    await tree.reserve(1, "handshake", 1);
    expect(tree.changeCount).toBeGreaterThan(before);
    await expect(tree.reserve(1, "handshake", -1)).rejects.toSatisfy((e: unknown) => UsageError.isInstance(e) && e.code === "secret-tree/invalid-count");
    tree.wipe();
    await expect(tree.nextKey(1, "handshake")).rejects.toSatisfy((e: unknown) => UsageError.isInstance(e) && e.code === "secret-tree/wiped");
  });
});
