import { describe, expect, it } from "vitest";
import { MAX_POOLED_RANDOM, RandomPool } from "./random-pool.js";

describe("RandomPool", () => {
  /** A source that counts its calls and keeps the buffers it handed out. */
  const counting = () => {
    const handed: Uint8Array[] = [];
    let next = 0;
    const source = (n: number) => {
      const b = Uint8Array.from({ length: n }, () => (next++ % 255) + 1); // 1, 2, 3, ... never 0
      handed.push(b);
      return b;
    };
    return { handed, source };
  };

  it("serves small requests from one source call, each byte once, and zeroes what it served", () => {
    const { handed, source } = counting();
    const pool = new RandomPool(source);
    const a = pool.take(4);
    const b = pool.take(32);
    expect(handed).toHaveLength(1);
    expect([...a]).toEqual([1, 2, 3, 4]); // the first bytes of the buffer
    expect(b[0]).toBe(5);
    // Served ranges are wiped in the pool's buffer; the rest is untouched.
    expect(handed[0]!.subarray(0, 36).every((x) => x === 0)).toBe(true);
    expect(handed[0]![36]).not.toBe(0);
    // Handing out the same bytes twice is impossible: outputs are copies of distinct ranges.
    a.fill(0xff);
    expect(pool.take(1)[0]).toBe(37);
  });

  it("refills when the buffer runs out, wiping the old one", () => {
    const { handed, source } = counting();
    const pool = new RandomPool(source);
    let served = 0;
    while (handed.length < 2) {
      pool.take(MAX_POOLED_RANDOM);
      served += MAX_POOLED_RANDOM;
    }
    expect(served).toBeGreaterThan(handed[0]!.length);
    expect(handed[0]!.every((x) => x === 0)).toBe(true);
  });

  it("passes large requests straight to the source and rejects invalid lengths", () => {
    const { handed, source } = counting();
    const pool = new RandomPool(source);
    expect(pool.take(MAX_POOLED_RANDOM + 1)).toHaveLength(MAX_POOLED_RANDOM + 1);
    expect(handed).toHaveLength(1);
    expect(pool.take(0)).toHaveLength(0);
    expect(() => pool.take(-1)).toThrow(RangeError);
    expect(() => pool.take(1.5)).toThrow(RangeError);
  });
});
