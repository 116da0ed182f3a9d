/**
 * `verifyShared` (verify-share.ts): verifications shared with the helper
 * thread. Each outcome, from whichever side took the item, is exactly
 * `verify`'s; an item is taken by the helper or claimed by the caller;
 * cancel stops the helper.
 */
import { CIPHER_SUITES, type CipherSuiteProvider, type SharedVerification, type SignatureCheck } from "@mlskit/core";
import { describe, expect, it } from "vitest";
import { nodeCryptoProvider } from "./index.js";

const provider = nodeCryptoProvider();

/** Valid and invalid items of `cs`'s scheme (bad signature, wrong message, other key, short key, all-zero key). */
async function checks(cs: CipherSuiteProvider, count: number): Promise<{ items: SignatureCheck[]; expected: boolean[] }> {
  const items: SignatureCheck[] = [];
  const expected: boolean[] = [];
  const pairs = await Promise.all(Array.from({ length: 3 }, () => cs.signatureGenerateKeyPair()));
  for (let i = 0; i < count; i++) {
    const p = pairs[i % 3]!;
    const message = Uint8Array.of(1, 2, i);
    const signature = await cs.sign(p.privateKey, message);
    const kind = i % 6;
    if (kind === 1) signature[signature.length - 1]! ^= 1;
    const publicKey = kind === 3 ? pairs[(i + 1) % 3]!.publicKey : kind === 4 ? p.publicKey.subarray(1) : kind === 5 ? new Uint8Array(p.publicKey.length) : p.publicKey;
    items.push({ publicKey, message: kind === 2 ? Uint8Array.of(9) : message, signature });
    expected.push(kind === 0);
  }
  return { items, expected };
}

/** The outcome of every item as the caller completes it: claimed ones verified here, the helper's read. */
async function complete(cs: CipherSuiteProvider, shared: SharedVerification, items: readonly SignatureCheck[]): Promise<{ outcomes: boolean[]; here: number }> {
  const outcomes: boolean[] = [];
  let here = 0;
  for (let k = items.length - 1; k >= 0; k--) {
    const x = items[k]!;
    if (shared.claim(k)) {
      here++;
      outcomes[k] = await cs.verify(x.publicKey, x.message, x.signature);
    } else outcomes[k] = shared.result(k);
  }
  return { outcomes, here };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("node provider: verifyShared (the helper thread)", () => {
  for (const id of CIPHER_SUITES.keys()) {
    it(`suite 0x${id.toString(16).padStart(4, "0")}: the helper's outcomes are verify's, item by item`, async () => {
      const cs = await provider.cipherSuite(id);
      const { items, expected } = await checks(cs, 12);
      // The helper starts on the first request of the process: give it the time to do everything.
      let done: { outcomes: boolean[]; here: number } | undefined;
      for (let attempt = 0; attempt < 50 && (done === undefined || done.here > 0); attempt++) {
        const shared = cs.verifyShared!(items)!;
        await settle(attempt === 0 ? 200 : 50);
        done = await complete(cs, shared, items);
        expect(done.outcomes).toEqual(expected);
      }
      // Some run had every item done by the helper.
      expect(done!.here).toBe(0);
    });
  }

  it("claimed at once, every item is the caller's, and the outcomes are still verify's", async () => {
    const cs = await provider.cipherSuite(1);
    const { items, expected } = await checks(cs, 12);
    const shared = cs.verifyShared!(items)!;
    const done = await complete(cs, shared, items);
    expect(done.outcomes).toEqual(expected);
  });

  it("after cancel, the helper takes no further item (at most the one it had started)", async () => {
    const cs = await provider.cipherSuite(1);
    // Keys of the right shape only: the others are false here and never reach the helper.
    const items = (await checks(cs, 12)).items.filter((x) => x.publicKey.length === 32 && x.publicKey.some((b) => b !== 0));
    const shared = cs.verifyShared!(items)!;
    shared.cancel();
    await settle(50);
    const theHelpers = items.filter((_, k) => !shared.claim(k)).length;
    expect(theHelpers).toBeLessThanOrEqual(1);
  });

  it("a small-order Ed25519 key never reaches the helper and is false (as verify)", async () => {
    const cs = await provider.cipherSuite(1);
    const neutral = new Uint8Array(32);
    neutral[0] = 1;
    const signature = new Uint8Array(64);
    signature[0] = 1;
    const good = (await checks(cs, 1)).items[0]!;
    const shared = cs.verifyShared!([{ publicKey: neutral, message: Uint8Array.of(7), signature }, good])!;
    await settle(50);
    expect(shared.claim(0)).toBe(false);
    expect(shared.result(0)).toBe(false);
    expect(await cs.verify(neutral, Uint8Array.of(7), signature)).toBe(false);
  });

  it("an item out of range is a RangeError", async () => {
    const cs = await provider.cipherSuite(1);
    const shared = cs.verifyShared!((await checks(cs, 2)).items)!;
    expect(() => shared.claim(2)).toThrow(RangeError);
    shared.cancel();
  });
});
