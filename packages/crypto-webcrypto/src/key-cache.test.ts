import { describe, expect, it } from "vitest";
import { KeyCache } from "./key-cache.js";

const counter = () => {
  let calls = 0;
  const load = async (b: Uint8Array) => {
    calls++;
    return `key:${Array.from(b).join(",")}`;
  };
  return { load, calls: () => calls };
};

describe("KeyCache", () => {
  for (const secret of [false, true]) {
    describe(secret ? "secret" : "public", () => {
      it("imports once per array object", async () => {
        const c = new KeyCache<string>(4, secret);
        const { load, calls } = counter();
        const k = Uint8Array.of(1, 2, 3);
        expect(await c.get(k, load)).toBe("key:1,2,3");
        expect(await c.get(k, load)).toBe("key:1,2,3");
        expect(calls()).toBe(1);
      });

      it("finds the same bytes in a fresh array (by value)", async () => {
        const c = new KeyCache<string>(4, secret);
        const { load, calls } = counter();
        await c.get(Uint8Array.of(1, 2, 3), load);
        expect(await c.get(Uint8Array.of(1, 2, 3), load)).toBe("key:1,2,3");
        expect(calls()).toBe(1);
      });

      it("never returns a stale key for a mutated array", async () => {
        const c = new KeyCache<string>(4, secret);
        const { load, calls } = counter();
        const k = Uint8Array.of(1, 2, 3);
        await c.get(k, load);
        k.fill(0);
        expect(await c.get(k, load)).toBe("key:0,0,0");
        expect(calls()).toBe(2);
      });

      it("shares one import between concurrent callers", async () => {
        const c = new KeyCache<string>(4, secret);
        const { load, calls } = counter();
        const results = await Promise.all([1, 2, 3].map(() => c.get(Uint8Array.of(9), load)));
        expect(results).toEqual(["key:9", "key:9", "key:9"]);
        expect(calls()).toBe(1);
      });

      it("is bounded (LRU)", async () => {
        const c = new KeyCache<string>(3, secret);
        const { load, calls } = counter();
        for (let i = 0; i < 10; i++) await c.get(Uint8Array.of(i), load);
        expect(c.size).toBe(3);
        await c.get(Uint8Array.of(9), load); // most recent: hit
        expect(calls()).toBe(10);
        await c.get(Uint8Array.of(7), load); // touch 7: now 8 is the oldest
        await c.get(Uint8Array.of(0), load); // evicted long ago: miss, evicts 8
        expect(calls()).toBe(11);
        await c.get(Uint8Array.of(7), load);
        expect(calls()).toBe(11);
        await c.get(Uint8Array.of(8), load);
        expect(calls()).toBe(12);
      });

      it("forgets a failed import so it can be retried", async () => {
        const c = new KeyCache<string>(4, secret);
        let fail = true;
        const load = async () => {
          if (fail) throw new Error("nope");
          return "ok";
        };
        const k = Uint8Array.of(5);
        await expect(c.get(k, load)).rejects.toThrow("nope");
        await new Promise((r) => setTimeout(r, 0));
        fail = false;
        expect(await c.get(k, load)).toBe("ok");
        expect(await c.get(Uint8Array.of(5), load)).toBe("ok");
      });

      it("stores a known value with set()", async () => {
        const c = new KeyCache<string>(4, secret);
        const { load, calls } = counter();
        c.set(Uint8Array.of(4, 4), "generated");
        expect(await c.get(Uint8Array.of(4, 4), load)).toBe("generated");
        expect(calls()).toBe(0);
      });
    });
  }

  it("with capacity 0 caches by object only", async () => {
    const c = new KeyCache<string>(0, true);
    const { load, calls } = counter();
    const k = Uint8Array.of(1);
    await c.get(k, load);
    await c.get(k, load);
    await c.get(Uint8Array.of(1), load);
    expect(calls()).toBe(2);
    expect(c.size).toBe(0);
  });

  it("passes a private copy to the loader", async () => {
    const c = new KeyCache<Uint8Array>(4, true);
    const k = Uint8Array.of(1, 2);
    const got = await c.get(k, async (copy) => copy);
    expect(got).not.toBe(k);
    expect(got).toEqual(k);
  });
});

describe("KeyCache redaction", () => {
  it("does not print the key bytes it holds", async () => {
    const { inspect } = await import("node:util");
    const c = new KeyCache<string>(4, true);
    await c.get(Uint8Array.of(0xde, 0xad, 0xbe, 0xef), async () => "k");
    expect(JSON.stringify(c)).toBe('{"size":1}');
    expect(inspect(c)).not.toMatch(/222|173|190|239|de|ad/);
  });
});
