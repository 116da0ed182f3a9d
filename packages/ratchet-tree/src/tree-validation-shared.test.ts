/**
 * `completeShared` (tree-validation-shared.ts) over a scripted helper: every
 * leaf is settled exactly once, by the helper's outcome where it finished
 * the leaf and by this thread otherwise (the one it is in the middle of
 * included); a stop cancels the helper and claims nothing more.
 */
import type { SharedVerification } from "@mlskit/core";
import { describe, expect, it } from "vitest";
import { completeShared } from "./tree-validation-shared.js";
import type { LeafIndex } from "./tree-math.js";

/** A helper that finished items `0..done-1` (outcome `ok(i)`) and is in the middle of item `done`. */
function scripted(done: number, ok: (i: number) => boolean): SharedVerification & { claimed: number[]; cancelled: boolean } {
  const claimed: number[] = [];
  const state = { claimed, cancelled: false };
  return Object.assign(state, {
    claim(i: number) {
      claimed.push(i);
      return i >= done;
    },
    result(i: number) {
      if (i >= done) throw new Error(`no outcome for item ${i}`);
      return ok(i);
    },
    cancel() {
      state.cancelled = true;
    },
  });
}

const leaves = [0, 1, 2, 4, 5, 7, 8] as LeafIndex[];

describe("completeShared", () => {
  for (const done of [0, 3, 7]) {
    it(`the helper finished ${done} of 7: the others are verified here, each leaf settled once`, async () => {
      const shared = scripted(done, (i) => i !== 1);
      const here: LeafIndex[] = [];
      const answers = new Map<LeafIndex, boolean>();
      await completeShared(
        leaves,
        shared,
        async (l) => {
          here.push(l);
          await Promise.resolve();
        },
        (l, ok) => {
          expect(answers.has(l)).toBe(false);
          answers.set(l, ok);
        },
        () => false,
      );
      // From the last leaf down.
      expect(shared.claimed).toEqual([6, 5, 4, 3, 2, 1, 0]);
      expect(here).toEqual(leaves.slice(done).reverse());
      expect([...answers.keys()].sort((a, b) => a - b)).toEqual(leaves.slice(0, done));
      if (done > 1) expect(answers.get(1 as LeafIndex)).toBe(false);
      expect(shared.cancelled).toBe(false);
    });
  }

  it("a stop cancels the helper and claims nothing more", async () => {
    const shared = scripted(0, () => true);
    let stop = false;
    const here: LeafIndex[] = [];
    await completeShared(
      leaves,
      shared,
      (l) => {
        here.push(l);
        stop = here.length === 2;
        return Promise.resolve();
      },
      () => undefined,
      () => stop,
    );
    expect(here).toEqual([8, 7]);
    expect(shared.claimed).toEqual([6, 5]);
    expect(shared.cancelled).toBe(true);
  });

  it("waits for what this thread's verifications and the answers settle", async () => {
    const shared = scripted(4, () => true);
    let settled = 0;
    await completeShared(
      leaves,
      shared,
      async () => {
        await new Promise((r) => setTimeout(r, 2));
        settled++;
      },
      async () => {
        await new Promise((r) => setTimeout(r, 2));
        settled++;
      },
      () => false,
    );
    expect(settled).toBe(7);
  });
});
