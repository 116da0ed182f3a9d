/**
 * Add and Remove Commits with persistence (issue 12), at N = 2, 16 and
 * 1,024, on the facade's default provider.
 *
 * Route: the protocol fixture's group states (protocol-steps.ts
 * `steadyPair`), not the facade (which would have to build the N = 1,024
 * group member by member). Each operation is the one protocol.ts times
 * (wire bytes in and out), followed by what the facade's
 * `GroupPersistence.write` does after it: `encodeGroupState` of the new
 * state, `encodePastEpoch` of the past epoch the transition created, and
 * one `writeGroup` naming the version it replaces (dropping past epochs the
 * policy no longer keeps). Every run starts from the same states (they are
 * immutable snapshots), so every merge writes the record of the epoch it
 * left, as the facade does. The operations, and what the facade writes:
 * - create: `createCommit` (an Add also decodes and validates the
 *   KeyPackage, as `addMembers` does): the current state with the Commit
 *   pending (its tree as a node delta), written before the Commit leaves;
 * - confirm: `mergePendingCommit` (`confirmPendingCommit`, or our Commit
 *   handed back): the new epoch's state and the record of the epoch left;
 * - process: `processMessage` + `mergeStagedCommit` by another member
 *   (`processIncoming` + `staged.merge()`): the same two blobs.
 * In each run the operation is timed, then its write to a memory store and
 * its write to a SQLite store (in alternating order), each timed apart;
 * "with persistence" is the median over runs of operation + write.
 */
import { join as joinPath } from "node:path";
import type { ClientStore } from "@mlskit/core";
import { type GroupState, createCommit, encodeGroupState, encodePastEpoch, mergePendingCommit } from "@mlskit/group";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { memoryStore } from "@mlskit/storage-memory";
import { sqliteStore } from "@mlskit/storage-sqlite";
import { loadOrBuildFixture, newMember } from "./protocol-fixture.js";
import { type ProviderSpec, commitAdd, median, processCommit, steadyPair, suiteOf } from "./protocol-steps.js";

/** One operation at one N: medians in ms, and the bytes its write carries. */
export interface CommitPersistenceRow {
  readonly n: number;
  readonly operation: string;
  readonly inMemory: number;
  readonly withMemoryStore: number;
  readonly withSqlite: number;
  readonly memoryWrite: number;
  readonly sqliteWrite: number;
  /** The state blob and the past-epoch record written (bytes). */
  readonly stateBytes: number;
  readonly recordBytes: number;
}

/** One group's writes to one store: what the facade's `GroupPersistence.write` does, without its change tracking. */
class GroupWriter {
  #version = 0;
  constructor(readonly store: ClientStore) {}

  /** Encodes `state` (with the record of its newest past epoch when `newPast`) and writes it in one `writeGroup`. */
  async write(state: GroupState, newPast: boolean, allPast = false): Promise<{ state: number; record: number }> {
    const records = (allPast ? state.pastEpochs : newPast ? state.pastEpochs.slice(0, 1) : []).map((p) => ({ epoch: p.epoch, data: encodePastEpoch(p) }));
    const oldestKept = state.pastEpochs.length > 0 ? state.pastEpochs[state.pastEpochs.length - 1]!.epoch : state.groupContext.epoch;
    const blob = encodeGroupState(state);
    this.#version = await this.store.writeGroup({
      groupId: state.groupContext.groupId,
      epoch: state.groupContext.epoch,
      state: blob,
      expectedVersion: this.#version,
      putEpochs: records,
      dropEpochsBefore: oldestKept,
    });
    return { state: blob.length, record: records[0]?.data.length ?? 0 };
  }
}

interface Writers {
  readonly memory: GroupWriter;
  readonly sqlite: GroupWriter;
}

/** What an operation leaves to write: the state, and whether the transition created a past epoch. */
interface Outcome<T> {
  readonly state: GroupState;
  readonly newPast: boolean;
  readonly result: T;
}

/** Runs `op` `warmup + runs` times; each run timed, then written to both stores (timed apart). */
async function measure<T>(
  n: number,
  operation: string,
  runs: number,
  warmup: number,
  writers: Writers,
  op: (i: number) => Promise<Outcome<T>>,
): Promise<{ row: CommitPersistenceRow; results: T[] }> {
  const opMs: number[] = [];
  const memMs: number[] = [];
  const sqlMs: number[] = [];
  const results: T[] = [];
  let sizes = { state: 0, record: 0 };
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = performance.now();
    const out = await op(i);
    const t1 = performance.now();
    const times: Record<"memory" | "sqlite", number> = { memory: 0, sqlite: 0 };
    for (const kind of i % 2 === 0 ? (["memory", "sqlite"] as const) : (["sqlite", "memory"] as const)) {
      const t = performance.now();
      sizes = await writers[kind].write(out.state, out.newPast);
      times[kind] = performance.now() - t;
    }
    if (i < warmup) continue;
    opMs.push(t1 - t0);
    memMs.push(times.memory);
    sqlMs.push(times.sqlite);
    results.push(out.result);
  }
  const plus = (w: number[]) => median(opMs.map((x, i) => x + w[i]!));
  return {
    row: {
      n,
      operation,
      inMemory: median(opMs),
      withMemoryStore: plus(memMs),
      withSqlite: plus(sqlMs),
      memoryWrite: median(memMs),
      sqliteWrite: median(sqlMs),
      stateBytes: sizes.state,
      recordBytes: sizes.record,
    },
    results,
  };
}

/** The rows at one N; SQLite files go in `dir` (one per member). */
async function benchAt(spec: ProviderSpec, n: number, runs: number, dir: string, log: (line: string) => void): Promise<CommitPersistenceRow[]> {
  const loaded = await loadOrBuildFixture(await suiteOf(spec), n);
  log(`persistence commits N=${n}: fixture ${loaded.built ? "built and cached" : "loaded from cache"} in ${Math.round(loaded.ms)} ms`);
  const { csC, C, R } = await steadyPair(spec, loaded.fixture);
  const stores: ClientStore[] = [memoryStore(), sqliteStore({ path: joinPath(dir, `committer-${n}.db`) }), memoryStore(), sqliteStore({ path: joinPath(dir, `receiver-${n}.db`) })];
  try {
    const [cm, cs, rm, rs] = stores.map((s) => new GroupWriter(s)) as [GroupWriter, GroupWriter, GroupWriter, GroupWriter];
    const committer: Writers = { memory: cm, sqlite: cs };
    const receiver: Writers = { memory: rm, sqlite: rs };
    // The groups as the facade first stores them: the state and every past epoch kept.
    for (const w of [cm, cs]) await w.write(C, false, true);
    for (const w of [rm, rs]) await w.write(R, false, true);

    const warmup = 1;
    const rows: CommitPersistenceRow[] = [];
    const confirmAndProcess = async (what: string, created: { state: GroupState; commit: Uint8Array }[]) => {
      const confirm = await measure(n, `${what} confirm`, created.length, 0, committer, async (i) => ({
        state: mergePendingCommit(created[i]!.state),
        newPast: true,
        result: undefined,
      }));
      // The receiver's first run is a warm-up, as in protocol.ts.
      const process = await measure(n, `${what} process`, created.length - 1, 1, receiver, async (i) => {
        const merged = await processCommit(R, created[i]!.commit);
        // At N = 2 the Remove removes the receiver: the facade then writes its state marked removed (no new epoch).
        return merged === undefined ? { state: R, newPast: false, result: undefined } : { state: merged, newPast: true, result: undefined };
      });
      rows.push(confirm.row, process.row);
    };

    // Add: a fresh KeyPackage per run (warm-up included), made by its future owner on another provider instance.
    const csJ = await suiteOf(spec);
    const joiners = await Promise.all(Array.from({ length: warmup + runs }, (_, i) => newMember(csJ, `joiner-${i}`)));
    const add = await measure(n, "add create", runs, warmup, committer, async (i) => {
      const created = await commitAdd(csC, C, joiners[i]!.keyPackage);
      return { state: created.state, newPast: false, result: { state: created.state, commit: created.commit } };
    });
    rows.push(add.row);
    await confirmAndProcess("add", add.results);

    const target = (loaded.fixture.backgroundLeaf ?? R.ownLeaf) as LeafIndex;
    const remove = await measure(n, "remove create", runs, warmup, committer, async () => {
      const created = await createCommit(C, { proposals: [{ remove: target }] });
      return { state: created.state, newPast: false, result: { state: created.state, commit: created.commit } };
    });
    rows.push(remove.row);
    await confirmAndProcess("remove", remove.results);
    return rows;
  } finally {
    for (const s of stores) await s.close();
  }
}

/** The rows for every N (SQLite files in `dir`, which the caller removes). */
export async function benchCommitPersistence(
  spec: ProviderSpec,
  sizes: readonly number[],
  quick: boolean,
  dir: string,
  log: (line: string) => void,
): Promise<CommitPersistenceRow[]> {
  const rows: CommitPersistenceRow[] = [];
  // Commits take ~10 ms and this machine's timings scatter by ±40% run to run: medians of 31, as protocol.ts.
  for (const n of sizes) rows.push(...(await benchAt(spec, n, quick ? 7 : 31, dir, log)));
  return rows;
}
