import { inspect } from "node:util";
import { type CipherSuiteProvider, UsageError, ValidationError, deriveTreeSecret } from "@mlskit/core";
import { testProviders } from "@mlskit/test-vectors/providers";
import { describe, expect, it } from "vitest";
import { HashRatchet } from "./hash-ratchet.js";

/** Reference: the key of generation `g` computed straight from RFC 9420 §9.1. */
async function referenceKey(cs: CipherSuiteProvider, base: Uint8Array, g: number): Promise<Uint8Array> {
  let secret = base;
  for (let j = 0; j < g; j++) secret = await deriveTreeSecret(cs, secret, "secret", j, cs.hashLength);
  return deriveTreeSecret(cs, secret, "key", g, cs.aeadKeyLength);
}

const hasCode = (code: string) => (e: unknown) => ValidationError.isInstance(e) && e.code === code;

/** `cs` without its synchronous KDF, so the ratchet takes its awaited path. */
function awaitedKdfOnly(cs: CipherSuiteProvider): CipherSuiteProvider {
  return new Proxy(cs, {
    get: (target, prop) => {
      if (prop === "kdfExpandSync") return undefined;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe.each(["synchronous", "awaited"] as const)("HashRatchet (RFC 9420 §9.1, §15.3), %s KDF", async (kdf) => {
  const provided = await testProviders()[0]!.cipherSuite(1);
  const cs = kdf === "synchronous" ? provided : awaitedKdfOnly(provided);
  it("takes the KDF path it is named for", () => {
    expect(cs.kdfExpandSync === undefined).toBe(kdf === "awaited");
  });
  const fresh = (policy?: { outOfOrderWindow: number; maxForwardDistance: number }) => {
    const base = cs.randomBytes(cs.hashLength);
    return { base: base.slice(), ratchet: new HashRatchet(cs, base, policy === undefined ? {} : { policy }) };
  };

  it("delivers out-of-order generations inside the window", async () => {
    const { base, ratchet } = fresh({ outOfOrderWindow: 5, maxForwardDistance: 100 });
    const order = [4, 1, 0, 3, 2, 9, 5, 8, 7, 6];
    for (const g of order) {
      const k = await ratchet.get(g);
      expect(k.generation).toBe(g);
      expect(k.key).toEqual(await referenceKey(cs, base, g));
    }
    expect(ratchet.generation).toBe(10);
  });

  it("rejects an already-consumed generation", async () => {
    const { ratchet } = fresh();
    await ratchet.get(3);
    await ratchet.get(1);
    await expect(ratchet.get(3)).rejects.toSatisfy(hasCode("secret-tree/generation-consumed"));
    await expect(ratchet.get(1)).rejects.toSatisfy(hasCode("secret-tree/generation-consumed"));
    const error = await ratchet.get(1).catch((e: unknown) => e);
    expect((error as ValidationError).rfcSection).toBe("9.2");
    // Unconsumed neighbours are still there.
    await expect(ratchet.get(0)).resolves.toBeDefined();
    await expect(ratchet.get(2)).resolves.toBeDefined();
  });

  it("rejects a generation behind the window", async () => {
    const { ratchet } = fresh({ outOfOrderWindow: 3, maxForwardDistance: 100 });
    await ratchet.get(10); // keeps 7, 8, 9
    const error = await ratchet.get(6).catch((e: unknown) => e);
    expect(hasCode("secret-tree/generation-outside-window")(error)).toBe(true);
    expect((error as ValidationError).rfcSection).toBe("15.3");
    await expect(ratchet.get(7)).resolves.toBeDefined();
  });

  it("evicts keys that fall out of the window", async () => {
    const { ratchet } = fresh({ outOfOrderWindow: 3, maxForwardDistance: 100 });
    await ratchet.get(5); // keeps 2, 3, 4
    await expect(ratchet.get(1)).rejects.toSatisfy(hasCode("secret-tree/generation-outside-window"));
    await ratchet.get(7); // keeps 4, 6; evicts 2, 3
    await expect(ratchet.get(3)).rejects.toSatisfy(hasCode("secret-tree/generation-outside-window"));
    await expect(ratchet.get(2)).rejects.toSatisfy(hasCode("secret-tree/generation-outside-window"));
    await expect(ratchet.get(4)).resolves.toBeDefined();
    await expect(ratchet.get(6)).resolves.toBeDefined();
  });

  it("keeps no skipped keys with a window of 0", async () => {
    const { ratchet } = fresh({ outOfOrderWindow: 0, maxForwardDistance: 100 });
    await ratchet.get(3);
    await expect(ratchet.get(2)).rejects.toSatisfy(hasCode("secret-tree/generation-outside-window"));
    await expect(ratchet.get(4)).resolves.toBeDefined();
  });

  it("rejects a generation too far ahead without deriving anything", async () => {
    const { ratchet } = fresh({ outOfOrderWindow: 10, maxForwardDistance: 50 });
    const error = await ratchet.get(51).catch((e: unknown) => e);
    expect(hasCode("secret-tree/generation-too-far-ahead")(error)).toBe(true);
    expect((error as ValidationError).rfcSection).toBe("15.3");
    expect(ratchet.generation).toBe(0);
    await expect(ratchet.get(0xffffffff)).rejects.toSatisfy(hasCode("secret-tree/generation-too-far-ahead"));
    await ratchet.get(50); // next expected: 51
    await expect(ratchet.get(102)).rejects.toThrow(ValidationError);
    await expect(ratchet.get(101)).resolves.toBeDefined();
  });

  it("with the default policy, allows 1000 ahead and keeps 1000 behind", async () => {
    const { ratchet } = fresh();
    await expect(ratchet.get(1001)).rejects.toThrow(ValidationError);
    await ratchet.get(1000);
    await expect(ratchet.get(0)).resolves.toBeDefined();
  });

  it("next() hands out increasing generations and never reuses one", async () => {
    const { base, ratchet } = fresh();
    const gens = await Promise.all([ratchet.next(), ratchet.next(), ratchet.next()]);
    expect(gens.map((k) => k.generation)).toEqual([0, 1, 2]);
    expect(gens[2]!.key).toEqual(await referenceKey(cs, base, 2));
    await expect(ratchet.get(1)).rejects.toThrow(ValidationError);
    expect((await ratchet.next()).generation).toBe(3);
  });

  it("serialises concurrent requests", async () => {
    const { base, ratchet } = fresh();
    const keys = await Promise.all([7, 3, 9, 0, 5].map((g) => ratchet.get(g)));
    for (const k of keys) expect(k.key).toEqual(await referenceKey(cs, base, k.generation));
  });

  it("wipes handed-out keys on request and everything it holds on wipe()", async () => {
    const base = cs.randomBytes(cs.hashLength);
    const ratchet = new HashRatchet(cs, base);
    const k = await ratchet.get(2);
    k.wipe();
    expect(k.key.every((b) => b === 0) && k.nonce.every((b) => b === 0)).toBe(true);
    expect(base.every((b) => b === 0)).toBe(true); // the base secret was consumed by ratcheting
    ratchet.wipe();
    await expect(ratchet.get(0)).rejects.toSatisfy(UsageError.isInstance);
    await expect(ratchet.next()).rejects.toThrow(/wiped/);
  });

  it("peek() changes nothing until consume(): a discarded lookup leaves position and kept keys as they were", async () => {
    const { ratchet } = fresh({ outOfOrderWindow: 2, maxForwardDistance: 100 });
    await ratchet.get(3); // keeps 1 and 2 (window 2)
    const ahead = await ratchet.peek(40);
    ahead.discard();
    expect(ahead.key.key.every((b) => b === 0)).toBe(true);
    expect(ratchet.generation).toBe(4);
    const kept = await ratchet.peek(1);
    kept.discard();
    // Both are still there: the genuine messages of generations 1 and 40 are read.
    expect((await ratchet.get(1)).generation).toBe(1);
    expect((await ratchet.get(40)).generation).toBe(40);
    // Consuming moves the window: 2 fell out of it.
    await expect(ratchet.get(2)).rejects.toThrow(ValidationError);
  });

  it("consume() of two lookups made from the same position: both land, a replay in flight is refused", async () => {
    const { ratchet } = fresh({ outOfOrderWindow: 10, maxForwardDistance: 100 });
    const [a, b, again] = [await ratchet.peek(5), await ratchet.peek(3), await ratchet.peek(5)];
    ratchet.consume(a);
    ratchet.consume(b); // derived from generation 0, applied after the ratchet moved to 6: served from the window
    expect(() => ratchet.consume(again)).toThrow(ValidationError);
    expect(ratchet.generation).toBe(6);
    for (const g of [0, 1, 2, 4]) expect((await ratchet.get(g)).generation).toBe(g);
    await expect(ratchet.get(3)).rejects.toThrow(ValidationError);
  });

  it("validates its inputs", async () => {
    expect(() => new HashRatchet(cs, new Uint8Array(3))).toThrow(UsageError);
    expect(() => new HashRatchet(cs, new Uint8Array(32), { policy: { outOfOrderWindow: -1, maxForwardDistance: 1 } })).toThrow(UsageError);
    const { ratchet } = fresh();
    await expect(ratchet.get(1.5)).rejects.toThrow(UsageError);
    await expect(ratchet.get(-1)).rejects.toThrow(UsageError);
  });

  it("redacts itself", () => {
    const { ratchet } = fresh();
    expect(JSON.stringify(ratchet)).toBe('{"redacted":"HashRatchet"}');
    expect(inspect(ratchet)).toBe("HashRatchet [redacted]");
  });
});
