/** The secret tree's exported state: round trips through the codec, validation, and the change counter. */
import { CodecError, bytesEqual } from "@mlskit/codec";
import { type CipherSuiteProvider, UsageError, ValidationError } from "@mlskit/core";
import { testProviders } from "@mlskit/test-vectors/providers";
import { describe, expect, it } from "vitest";
import { HashRatchet } from "./hash-ratchet.js";
import type { RatchetKeyNonce } from "./key-nonce.js";
import { SecretTree } from "./secret-tree.js";
import { decodeSecretTreeState, encodeSecretTreeState } from "./secret-tree-state-codec.js";
import { EXHAUSTED_GENERATION, type HashRatchetState, type SecretTreeState } from "./secret-tree-state.js";

const hasCode = (code: string) => (e: unknown) => ValidationError.isInstance(e) && e.code === code;

/** Export, encode, decode, restore: what a restart does. */
function restart(cs: CipherSuiteProvider, tree: SecretTree, options = {}): SecretTree {
  return SecretTree.fromState(cs, decodeSecretTreeState(cs, encodeSecretTreeState(tree.exportState())), options);
}

function sameKey(a: RatchetKeyNonce, b: RatchetKeyNonce): boolean {
  return a.generation === b.generation && bytesEqual(a.key, b.key) && bytesEqual(a.nonce, b.nonce);
}

/** A state to corrupt: 8 leaves, leaf 1 derived with skipped keys, leaf 6 derived and used by a sender. */
async function sampleState(cs: CipherSuiteProvider): Promise<SecretTreeState> {
  const tree = new SecretTree(cs, cs.randomBytes(cs.hashLength), 8);
  await tree.getKey(1, "application", 4); // keeps 0..3
  await tree.getKey(1, "application", 2);
  await tree.nextKey(6, "handshake");
  return tree.exportState();
}

describe("SecretTree state (RFC 9420 §9.2, §15.3)", async () => {
  const cs = await testProviders()[0]!.cipherSuite(1);

  it("a restored tree yields the keys the original would, and refuses the generations already consumed", async () => {
    const secret = cs.randomBytes(cs.hashLength);
    const reference = new SecretTree(cs, secret, 16); // never used before the comparisons: derives from scratch
    const live = new SecretTree(cs, secret, 16);
    // Out-of-order receives from leaf 3, a sender on leaf 9, a handshake from leaf 0.
    for (const g of [5, 1, 7]) await live.withKey(3, "application", g, () => undefined);
    for (let i = 0; i < 3; i++) await live.withNextKey(9, "application", () => undefined);
    await live.getKey(0, "handshake", 0);

    const restored = restart(cs, live);
    expect(restored.leafCount).toBe(16);
    // Skipped generations are still there, consumed ones are refused (replay after a restart).
    for (const g of [0, 2, 3, 4, 6]) expect(sameKey(await restored.getKey(3, "application", g), await reference.getKey(3, "application", g))).toBe(true);
    for (const g of [1, 5, 7]) await expect(restored.getKey(3, "application", g)).rejects.toSatisfy(hasCode("secret-tree/generation-consumed"));
    expect(sameKey(await restored.getKey(3, "application", 8), await reference.getKey(3, "application", 8))).toBe(true);
    // The sender resumes after the generations it handed out.
    const sent = await restored.nextKey(9, "application");
    expect(sent.generation).toBe(3);
    expect(sameKey(sent, await reference.getKey(9, "application", 3))).toBe(true);
    await expect(restored.getKey(0, "handshake", 0)).rejects.toSatisfy(hasCode("secret-tree/generation-consumed"));
    // Leaves never derived come from the restored frontier.
    for (const leaf of [1, 2, 8, 15]) {
      expect(sameKey(await restored.getKey(leaf, "handshake", 2), await reference.getKey(leaf, "handshake", 2))).toBe(true);
    }
  });

  it("replay after a restart is rejected (a receiver that read generation 1 of 3)", async () => {
    const secret = cs.randomBytes(cs.hashLength);
    const sender = new SecretTree(cs, secret, 2);
    const receiver = new SecretTree(cs, secret, 2);
    const keys = [await sender.nextKey(0, "application"), await sender.nextKey(0, "application"), await sender.nextKey(0, "application")];
    await receiver.withKey(0, "application", 1, (k) => expect(sameKey(k, keys[1]!)).toBe(true));
    const after = restart(cs, receiver);
    await expect(after.getKey(0, "application", 1)).rejects.toSatisfy(hasCode("secret-tree/generation-consumed"));
    expect(sameKey(await after.getKey(0, "application", 0), keys[0]!)).toBe(true);
    expect(sameKey(await after.getKey(0, "application", 2), keys[2]!)).toBe(true);
  });

  it("has one encoding: a restored tree exports the same bytes, and the state is a copy", async () => {
    const tree = new SecretTree(cs, cs.randomBytes(cs.hashLength), 5);
    for (const g of [9, 2, 4]) await tree.getKey(4, "application", g);
    const state = tree.exportState();
    const bytes = encodeSecretTreeState(state);
    expect(encodeSecretTreeState(restart(cs, tree).exportState())).toEqual(bytes);
    expect(state.leaves[0]!.application.skipped.map((k) => k.generation)).toEqual([0, 1, 3, 5, 6, 7, 8]);
    // Copies: wiping the tree leaves the exported state intact, and changing the state leaves the tree intact.
    const copy = bytes.slice();
    state.nodes[0]!.secret.fill(7);
    expect(encodeSecretTreeState(tree.exportState())).toEqual(copy);
    const restoredFrom = decodeSecretTreeState(cs, copy);
    const restored = SecretTree.fromState(cs, restoredFrom);
    restoredFrom.nodes[0]!.secret.fill(0);
    tree.wipe();
    expect(encodeSecretTreeState(restored.exportState())).toEqual(copy);
    expect(() => tree.exportState()).toThrow(/wiped/);
  });

  it("keeps only the skipped keys the restoring policy's window allows", async () => {
    const tree = new SecretTree(cs, cs.randomBytes(cs.hashLength), 2);
    await tree.getKey(1, "application", 10); // keeps 0..9 under the default window
    const narrow = restart(cs, tree, { policy: { outOfOrderWindow: 3 } });
    expect(narrow.exportState().leaves[0]!.application.skipped.map((k) => k.generation)).toEqual([7, 8, 9]);
    await expect(narrow.getKey(1, "application", 6)).rejects.toSatisfy(hasCode("secret-tree/generation-outside-window"));
    await expect(narrow.getKey(1, "application", 7)).resolves.toBeDefined();
    // The handshake policy applies to handshake ratchets, as in the constructor.
    const hs = new SecretTree(cs, cs.randomBytes(cs.hashLength), 2);
    await hs.getKey(0, "handshake", 5);
    const restored = restart(cs, hs, { handshakePolicy: { outOfOrderWindow: 1, maxForwardDistance: 2 } });
    expect(restored.exportState().leaves[0]!.handshake.skipped.map((k) => k.generation)).toEqual([4]);
    await expect(restored.getKey(0, "handshake", 9)).rejects.toSatisfy(hasCode("secret-tree/generation-too-far-ahead"));
  });

  it("round-trips an exhausted ratchet, which still serves its skipped keys", async () => {
    const key = { generation: 0xfffffffe, key: cs.randomBytes(cs.aeadKeyLength), nonce: cs.randomBytes(cs.aeadNonceLength) };
    const state: HashRatchetState = { secret: undefined, generation: EXHAUSTED_GENERATION, skipped: [key] };
    const ratchet = HashRatchet.fromState(cs, state);
    await expect(ratchet.next()).rejects.toSatisfy((e: unknown) => UsageError.isInstance(e) && e.code === "secret-tree/ratchet-exhausted");
    expect(ratchet.exportState()).toEqual(state);
    const k = await ratchet.get(0xfffffffe);
    expect(k.key).toEqual(key.key);
    expect(ratchet.changeCount).toBe(1);
    const tree: SecretTreeState = { leafCount: 1, nodes: [], leaves: [{ leaf: 0, handshake: state, application: state }] };
    expect(decodeSecretTreeState(cs, encodeSecretTreeState(tree))).toEqual(tree);
  });

  describe("changeCount", () => {
    it("moves on every change of the state and on nothing else", async () => {
      const tree = new SecretTree(cs, cs.randomBytes(cs.hashLength), 4);
      expect(tree.changeCount).toBe(0);
      let last = 0;
      const moved = (by: number) => {
        expect(tree.changeCount - last).toBe(by);
        last = tree.changeCount;
      };
      await tree.getKey(0, "application", 3); // the path to leaf 0 split and the leaf attached (one change), key handed out
      moved(2);
      await tree.getKey(0, "application", 1); // a kept key handed out
      moved(1);
      await tree.getKey(1, "handshake", 0); // leaf 1 derived from node 2, key handed out
      moved(2);
      await tree.nextKey(1, "application");
      await tree.withNextKey(1, "application", () => undefined);
      await tree.withKey(0, "application", 2, () => undefined);
      moved(3);
      // Failed lookups change nothing.
      await expect(tree.getKey(0, "application", 1)).rejects.toSatisfy(hasCode("secret-tree/generation-consumed"));
      await expect(tree.getKey(0, "application", 5000)).rejects.toSatisfy(hasCode("secret-tree/generation-too-far-ahead"));
      await expect(tree.getKey(4, "application", 0)).rejects.toSatisfy(hasCode("secret-tree/leaf-out-of-range"));
      await expect(tree.withKey(0, "application", 1, () => undefined)).rejects.toThrow(ValidationError);
      moved(0);
      tree.exportState();
      moved(0);
      // A failed use (a forged message: its AEAD or signature fails) changes nothing, kept keys and future generations alike.
      const before = encodeSecretTreeState(tree.exportState());
      await expect(tree.withKey(0, "application", 0, () => Promise.reject(new Error("bad tag")))).rejects.toThrow("bad tag");
      await expect(tree.withKey(0, "application", 6, () => Promise.reject(new Error("bad tag")))).rejects.toThrow("bad tag");
      await expect(tree.withKey(3, "application", 900, () => Promise.reject(new Error("bad tag")))).rejects.toThrow("bad tag");
      moved(0);
      expect(encodeSecretTreeState(tree.exportState())).toEqual(before);
      // A ratchet used directly counts for the tree too.
      await (await tree.ratchet(0, "application")).get(7);
      moved(1);
      // A restored tree starts from 0.
      expect(restart(cs, tree).changeCount).toBe(0);
    });

    it("does not move when a peeked key is discarded", async () => {
      const ratchet = new HashRatchet(cs, cs.randomBytes(cs.hashLength), { policy: { outOfOrderWindow: 1, maxForwardDistance: 100 } });
      await ratchet.get(5);
      const count = ratchet.changeCount;
      (await ratchet.peek(4)).discard();
      (await ratchet.peek(50)).discard();
      expect(ratchet.changeCount).toBe(count);
      expect(ratchet.generation).toBe(6);
    });
  });

  describe("validation", () => {
    type Mutation = readonly [name: string, path: RegExp, mutate: (s: SecretTreeState) => SecretTreeState];
    const withLeaf = (s: SecretTreeState, i: number, f: (l: SecretTreeState["leaves"][number]) => SecretTreeState["leaves"][number]) => ({
      ...s,
      leaves: s.leaves.map((l, j) => (j === i ? f(l) : l)),
    });
    const withApp = (s: SecretTreeState, f: (r: HashRatchetState) => HashRatchetState) => withLeaf(s, 0, (l) => ({ ...l, application: f(l.application) }));
    const mutations: Mutation[] = [
      ["a zero leaf count", /^leafCount$/, (s) => ({ ...s, leafCount: 0 })],
      ["a node secret of the wrong size", /^nodes\[0\]\.secret$/, (s) => ({ ...s, nodes: [{ ...s.nodes[0]!, secret: new Uint8Array(31) }, ...s.nodes.slice(1)] })],
      ["a node outside the tree", /^nodes\[\d\]\.node$/, (s) => ({ ...s, nodes: [...s.nodes, { node: 15, secret: new Uint8Array(32) }] })],
      ["a duplicate node", /^nodes\[1\]\.node$/, (s) => ({ ...s, nodes: [s.nodes[0]!, ...s.nodes] })],
      [
        "a node overlapping a derived leaf",
        /^(nodes|leaves)\[\d\]$/,
        (s) => ({ ...s, nodes: [...s.nodes, { node: 1, secret: new Uint8Array(32) }].sort((a, b) => a.node - b.node) }),
      ],
      ["a missing node (a leaf left without a secret)", /^(nodes|leaves)\[\d\]$|^nodes$/, (s) => ({ ...s, nodes: s.nodes.slice(1) })],
      ["a leaf out of range", /^leaves\[1\]\.leaf$/, (s) => withLeaf(s, 1, (l) => ({ ...l, leaf: 8 }))],
      ["a duplicate leaf", /^leaves\[1\]\.leaf$/, (s) => ({ ...s, leaves: [s.leaves[0]!, s.leaves[0]!, s.leaves[1]!] })],
      ["a ratchet secret of the wrong size", /^leaves\[0\]\.application\.secret$/, (s) => withApp(s, (r) => ({ ...r, secret: new Uint8Array(33) }))],
      [
        "a skipped generation at the ratchet's",
        /^leaves\[0\]\.application\.skipped\[3\]\.generation$/,
        (s) => withApp(s, (r) => ({ ...r, skipped: [...r.skipped, { ...r.skipped[0]!, generation: r.generation }] })),
      ],
      ["a duplicate skipped generation", /^leaves\[0\]\.application\.skipped\[1\]\.generation$/, (s) => withApp(s, (r) => ({ ...r, skipped: [r.skipped[0]!, ...r.skipped] }))],
      [
        "a key of the wrong size",
        /^leaves\[0\]\.application\.skipped\[0\]\.key$/,
        (s) => withApp(s, (r) => ({ ...r, skipped: [{ ...r.skipped[0]!, key: new Uint8Array(32) }, ...r.skipped.slice(1)] })),
      ],
      [
        "a nonce of the wrong size",
        /^leaves\[0\]\.application\.skipped\[0\]\.nonce$/,
        (s) => withApp(s, (r) => ({ ...r, skipped: [{ ...r.skipped[0]!, nonce: new Uint8Array(8) }, ...r.skipped.slice(1)] })),
      ],
    ];

    it.each(mutations)("rejects %s: a CodecError naming the field when decoding, a UsageError when restoring", async (_, path, mutate) => {
      const bad = mutate(await sampleState(cs));
      let error: unknown;
      try {
        decodeSecretTreeState(cs, encodeSecretTreeState(bad));
      } catch (e) {
        error = e;
      }
      expect(CodecError.isInstance(error) && error.code === "codec/invalid-value").toBe(true);
      expect((error as CodecError).path.replace(/^SecretTreeState\./, "")).toMatch(path);
      expect(() => SecretTree.fromState(cs, bad)).toThrow(UsageError);
      expect(() => SecretTree.fromState(cs, bad)).toThrow(/secret tree state/);
    });

    it("rejects an exhausted ratchet that keeps a secret, and a ratchet without one that is not exhausted", async () => {
      const s = await sampleState(cs);
      expect(() => HashRatchet.fromState(cs, { ...s.leaves[0]!.application, secret: undefined })).toThrow(UsageError);
      expect(() => HashRatchet.fromState(cs, { ...s.leaves[0]!.application, generation: EXHAUSTED_GENERATION })).toThrow(/exhausted/);
    });

    it("rejects every truncation and trailing bytes with a CodecError", async () => {
      const bytes = encodeSecretTreeState(await sampleState(cs));
      for (let n = 0; n < bytes.length; n++) expect(() => decodeSecretTreeState(cs, bytes.subarray(0, n))).toThrow(CodecError);
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      expect(() => decodeSecretTreeState(cs, longer)).toThrow(/trailing/);
    });

    it("checks sizes against the suite it decodes for", async () => {
      const bytes = encodeSecretTreeState(await sampleState(cs));
      const p384 = await testProviders()[0]!.cipherSuite(7); // KDF.Nh = 48
      expect(() => decodeSecretTreeState(p384, bytes)).toThrow(/KDF\.Nh is 48/);
    });
  });
});
