/** A small seeded random source, so a run's choice of operations is reproducible from its seed. */
import { seededRandom } from "@mlskit/test-vectors/random";

/** Helpers over a random source. */
export interface Dice {
  /** Uniform in [0, 1). */
  readonly next: () => number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(xs: readonly T[]): T;
}

/** {@link Dice} over `seededRandom(seed)`. */
export function dice(seed: number): Dice {
  const next = seededRandom(seed);
  return {
    next,
    chance: (p) => next() < p,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => {
      if (xs.length === 0) throw new Error("pick from an empty list");
      return xs[Math.floor(next() * xs.length)]!;
    },
  };
}
