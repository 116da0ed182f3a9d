/**
 * Storage conformance: what `writeGroup` promises as a transaction —
 * atomicity under a fault at every step, KeyPackages consumed with the group
 * state that used them (never before), and concurrent writers serialised or
 * rejected, never interleaved.
 */
import { toHex } from "@mlskit/codec";
import { StorageError, expectDefined } from "../errors.js";
import type { ClientStore, GroupWrite } from "../storage/client-store.js";
import { type AddCheck, assert, assertBytes, fail } from "./helpers.js";
import type { StorageConformanceTarget, StorageWriteStep } from "./storage.js";
import { FaultControl, assertEqual, assertInjectedFailure, assertStorageError, assertUnchanged, b, blob, dump, hexSet, populate, withStore } from "./storage-helpers.js";

const REQUIRED_STEPS: readonly StorageWriteStep[] = ["state", "epochs", "key-packages"];

/** The distinct steps an adapter reports during a write that has every part. */
async function learnSteps(s: ClientStore, faults: FaultControl): Promise<string[]> {
  await s.putKeyPackage(b(0x1c), b(0x1c), false);
  faults.reset();
  const v = (await s.readGroup(b(0x0b)))?.version ?? 0;
  await s.writeGroup({
    groupId: b(0x0b),
    epoch: 1n,
    state: b(1),
    expectedVersion: v,
    putEpochs: [{ epoch: 0n, data: b(0) }],
    dropEpochsBefore: 0n,
    consumedKeyPackages: [b(0x1c)],
  });
  const steps = [...new Set(faults.steps)];
  faults.reset();
  for (const r of REQUIRED_STEPS) assert(steps.includes(r), `the adapter must call its fault hook with "${r}" during writeGroup (it reported ${JSON.stringify(steps)})`);
  return steps;
}

/** Settles two writes begun together: asserts one won with `version`, the other got storage/conflict; returns the winner's index. */
async function race(writes: [Promise<number>, Promise<number>], version: number, what: string): Promise<0 | 1> {
  const [x, y] = await Promise.allSettled(writes);
  const won = [x, y].map((r) => r.status === "fulfilled");
  if (won[0] === won[1])
    fail(
      `${what}: exactly one of two writes with the same expectedVersion must succeed, ${won[0] ? "both" : "neither"} did (${[x, y].map((r) => (r.status === "rejected" ? String(r.reason) : "ok")).join("; ")})`,
    );
  const winner = won[0] ? 0 : 1;
  const ok = winner === 0 ? x : y;
  const lost = winner === 0 ? y : x;
  if (ok.status === "fulfilled") assertEqual(ok.value, version, `${what}: the winner's new version`);
  const reason: unknown = lost.status === "rejected" ? lost.reason : undefined;
  if (!StorageError.isInstance(reason) || reason.code !== "storage/conflict") fail(`${what}: the loser must get StorageError storage/conflict, got ${String(reason)}`);
  return winner;
}

/** Two writes of one group from version `v`, differing in every part, each consuming its own KeyPackage. */
function rivals(groupId: Uint8Array, v: number, round: number): [GroupWrite, GroupWrite] {
  const one = (tag: number): GroupWrite => ({
    groupId,
    epoch: BigInt(10 * round + tag),
    state: blob(64, tag * 16 + round),
    expectedVersion: v,
    putEpochs: [
      { epoch: BigInt(round), data: b(tag, round) },
      { epoch: BigInt(1000 * round + tag), data: b(tag) },
    ],
    dropEpochsBefore: BigInt(round),
    consumedKeyPackages: [b(0x40 + tag, round)],
  });
  return [one(1), one(2)];
}

/** Asserts the stored group is `write` applied entirely (its state, its epoch records, its KeyPackage consumed, the rival's kept). */
async function assertWinner(s: ClientStore, write: GroupWrite, loser: GroupWrite, what: string): Promise<void> {
  const g = await s.readGroup(write.groupId);
  assert(g !== undefined, `${what}: group missing`);
  assertBytes(g.state, write.state, `${what}: state`);
  assertEqual(g.epoch, write.epoch, `${what}: epoch`);
  const records = (w: GroupWrite) =>
    expectDefined(w.putEpochs, "w.putEpochs")
      .map((p) => g.pastEpochs.find((e) => e.epoch === p.epoch))
      .map((e) => e && toHex(e.data));
  assertEqual(
    records(write),
    expectDefined(write.putEpochs, "write.putEpochs").map((p) => toHex(p.data)),
    `${what}: the winner's epoch records`,
  );
  assertEqual(records(loser)[1], undefined, `${what}: the loser's epoch record must not be stored`);
  assert(
    (await s.getKeyPackage(expectDefined(expectDefined(write.consumedKeyPackages, "write.consumedKeyPackages")[0], "write.consumedKeyPackages[0]"))) === undefined,
    `${what}: the winner's KeyPackage must be consumed`,
  );
  assert(
    (await s.getKeyPackage(expectDefined(expectDefined(loser.consumedKeyPackages, "loser.consumedKeyPackages")[0], "loser.consumedKeyPackages[0]"))) !== undefined,
    `${what}: the loser's KeyPackage must be kept`,
  );
}

/** Runs `rounds` races of two rival writes of one group, started on `left` and `right` (the same handle or two). */
async function races(left: ClientStore, right: ClientStore, rounds: number, what: string): Promise<void> {
  const id = b(0x99);
  await left.writeGroup({ groupId: id, epoch: 0n, state: b(), expectedVersion: 0 });
  for (let round = 1; round <= rounds; round++) {
    const [w1, w2] = rivals(id, round, round);
    for (const w of [w1, w2])
      await left.putKeyPackage(expectDefined(expectDefined(w.consumedKeyPackages, "w.consumedKeyPackages")[0], "w.consumedKeyPackages[0]"), b(round), false);
    const winner = await race([left.writeGroup(w1), right.writeGroup(w2)], round + 1, `${what}, round ${round}`);
    await assertWinner(left, winner === 0 ? w1 : w2, winner === 0 ? w2 : w1, `${what}, round ${round}`);
    await assertWinner(right, winner === 0 ? w1 : w2, winner === 0 ? w2 : w1, `${what}, round ${round} (other handle)`);
  }
}

/** Increments a counter held in the state, `times` times, retrying on conflict (read, modify, write). */
async function incrementer(s: ClientStore, id: Uint8Array, times: number): Promise<number> {
  let conflicts = 0;
  for (let i = 0; i < times;) {
    const g = await s.readGroup(id);
    if (g === undefined) fail("counter group missing");
    const n = new DataView(g.state.buffer, g.state.byteOffset, 4).getUint32(0);
    const next = new Uint8Array(4);
    new DataView(next.buffer).setUint32(0, n + 1);
    try {
      await s.writeGroup({ groupId: id, epoch: g.epoch + 1n, state: next, expectedVersion: g.version });
      i++;
    } catch (e) {
      if (!StorageError.isInstance(e) || e.code !== "storage/conflict") throw e;
      conflicts++;
    }
  }
  return conflicts;
}

/** Registers the transaction checks. @internal */
export function transactionChecks(target: StorageConformanceTarget, add: AddCheck): void {
  add("atomicity: a writeGroup failing at any step changes nothing, and the store works afterwards", async () => {
    const faults = new FaultControl();
    await withStore(
      target,
      async (s) => {
        await populate(s);
        const steps = await learnSteps(s, faults);
        const write: GroupWrite = {
          groupId: b(0x0a),
          epoch: 4n,
          state: blob(40, 0xa4),
          expectedVersion: 1,
          putEpochs: [
            { epoch: 2n, data: b(0xa2, 0xa2) },
            { epoch: 3n, data: b(0xa3) },
          ],
          dropEpochsBefore: 2n,
          consumedKeyPackages: [b(0x1a), b(0x1b)],
        };
        for (const step of steps) {
          const before = await dump(s);
          faults.failAt = step;
          await assertInjectedFailure(s, write, faults, `a write failing at step "${step}"`);
          faults.reset();
          await assertUnchanged(s, before, `a write failing at step "${step}"`);
        }
        assertEqual(await s.writeGroup(write), 2, "the same write once the faults stop");
        const g = await s.readGroup(b(0x0a));
        assertEqual(
          g && [g.epoch, toHex(g.state), g.pastEpochs.map((e) => `${e.epoch}:${toHex(e.data)}`)],
          [4n, toHex(write.state), ["2:a2a2", "3:a3"]],
          "the group after the write",
        );
        assertEqual(hexSet(await s.keyPackageRefs()), ["1b"], "KeyPackages after the write (the last-resort one kept)");
      },
      faults,
    );
  });

  add("KeyPackages: consumed with the group state that used them, never before; last-resort ones kept", async () => {
    const faults = new FaultControl();
    await withStore(
      target,
      async (s) => {
        await populate(s);
        const steps = await learnSteps(s, faults);
        await s.putKeyPackage(b(0x2a), blob(8, 0x2a), false);
        await s.putKeyPackage(b(0x2b), blob(8, 0x2b), true);
        await s.putKeyPackage(b(0x2c), blob(8, 0x2c), false);
        const join: GroupWrite = { groupId: b(0x0d), epoch: 7n, state: b(7), expectedVersion: 0, consumedKeyPackages: [b(0x2a), b(0x2b)] };
        for (const step of steps) {
          const before = await dump(s);
          faults.failAt = step;
          await assertInjectedFailure(s, join, faults, `a join failing at step "${step}"`);
          faults.reset();
          await assertUnchanged(s, before, `a join failing at step "${step}" (the KeyPackage stays, no group)`);
        }
        const before = await dump(s);
        await assertStorageError(s.writeGroup({ ...join, groupId: b(0x0a) }), "storage/conflict", "a join into an existing group");
        await assertUnchanged(s, before, "a conflicting join");
        assertEqual(await s.writeGroup(join), 1, "the join");
        assert((await s.getKeyPackage(b(0x2a))) === undefined, "a consumed KeyPackage must be gone after the group's write");
        const kept = await s.getKeyPackage(b(0x2b));
        assertEqual(kept && [toHex(kept.data), kept.lastResort], [toHex(blob(8, 0x2b)), true], "a consumed last-resort KeyPackage is kept whole");
        assertEqual(hexSet(await s.keyPackageRefs()), ["1a", "1b", "2b", "2c"], "KeyPackages after the join");
        await s.writeGroup({ groupId: b(0x0e), epoch: 0n, state: b(), expectedVersion: 0, consumedKeyPackages: [b(0x2b)] });
        assert((await s.getKeyPackage(b(0x2b))) !== undefined, "a last-resort KeyPackage survives a second join");
      },
      faults,
    );
  });

  add("two writers on one handle: of two writes begun together from one version, one wins entirely, the other is storage/conflict", async () => {
    await withStore(target, (s) => races(s, s, 4, "one handle"));
  });

  if (target.reopen !== undefined) {
    const reopen = target.reopen.bind(target);
    add("two handles on the same data: each sees the other's writes; rival writes serialise or conflict, never interleave", async () => {
      await withStore(target, async (s, also) => {
        const t = also(await reopen(s));
        await s.writeClient(b(1));
        assertBytes((await t.readClient()) ?? b(), b(1), "the client record written through the other handle");
        await races(s, t, 4, "two handles");
        const g = await t.readGroup(b(0x99));
        assert(g !== undefined, "group missing");
        await s.writeGroup({ groupId: b(0x99), epoch: 99n, state: b(99), expectedVersion: g.version });
        await assertStorageError(
          t.writeGroup({ groupId: b(0x99), epoch: 98n, state: b(98), expectedVersion: g.version }),
          "storage/conflict",
          "a write from a stale read on the other handle",
        );
        // Read, modify, write with retries from both handles: no increment is lost.
        await s.writeGroup({ groupId: b(0x77), epoch: 0n, state: new Uint8Array(4), expectedVersion: 0 });
        await Promise.all([s, t, s, t].map((h) => incrementer(h, b(0x77), 5)));
        const counter = await s.readGroup(b(0x77));
        assert(counter !== undefined, "counter group missing");
        assertEqual(
          [new DataView(counter.state.buffer, counter.state.byteOffset, 4).getUint32(0), counter.version],
          [20, 21],
          "counter and version after 20 increments from two handles",
        );
      });
    });
  }
}
