/**
 * The persistence section of `pnpm bench` (issue 12), called from main.ts:
 * `--only=persistence` runs its three parts, or one of them:
 * - `state`: size and speed of the stored group state (state-encoding.ts);
 * - `persist-messages`: 1 KiB messages through the facade, in-memory stores
 *   against SQLite stores (facade.ts `benchFacadeStores`), for two members
 *   (the target) and for the fixture's pair adopted by the facade at
 *   N = 1,024 and 10,000 (every write carries the whole state);
 * - `persist-commits`: Add and Remove Commits, in memory against with
 *   persistence (persistence-commits.ts).
 * All on the facade's default provider, webcrypto+noble. SQLite files go in
 * a temporary directory, removed at the end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { sqliteStore } from "@mlskit/storage-sqlite";
import { type FacadeRates, RATE_ROWS, type StoreFor, adoptedPair, benchFacadeStores, facadePair } from "./facade.js";
import { fmt, printTable } from "./measure.js";
import { type CommitPersistenceRow, benchCommitPersistence } from "./persistence-commits.js";
import { loadOrBuildFixture } from "./protocol-fixture.js";
import { type ProviderSpec, median, suiteOf } from "./protocol-steps.js";
import { type StateEncodingFigures, benchStateEncoding } from "./state-encoding.js";

/** The parts of the section by the names `--only=` takes. */
export const PERSISTENCE_PARTS = ["state", "persist-messages", "persist-commits"] as const;

/** The targets. */
const STATE_RATIO_MAX = 1.3;
const DECODE_MS_MAX = 20;
const TARGET_N = 1024;
const BURST_RATIO_MIN = 0.8;
const COMMIT_EXTRA_MS_MAX = 5;

/** One line of the targets table. */
interface Target {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

const status = (met: boolean | undefined) => (met === undefined ? "reference" : met ? "met" : "NOT MET");
const n$ = (n: number) => n.toLocaleString("en-US");

function printStateEncoding(figs: readonly StateEncodingFigures[], provider: string): Target[] {
  const at = figs.find((f) => f.n === TARGET_N);
  const ratio = (f: StateEncodingFigures) => f.stateBytes / f.treeBytes;
  const rows: [string, string, (f: StateEncodingFigures) => string, string][] = [
    ["ratchet tree, wire (tree.encode())", "bytes", (f) => n$(f.treeBytes), ""],
    ["group state, encodeGroupState", "bytes", (f) => n$(f.stateBytes), ""],
    ["state / tree", "×", (f) => ratio(f).toFixed(3), at ? `≤ ${STATE_RATIO_MAX}×: ${status(ratio(at) <= STATE_RATIO_MAX)}` : ""],
    ["encode state", "ms", (f) => fmt(f.encodeMs), ""],
    ["decode state, no past epochs", "ms", (f) => fmt(f.decodeMs), at ? `≤ ${DECODE_MS_MAX} ms: ${status(at.decodeMs <= DECODE_MS_MAX)}` : ""],
    ["past-epoch records held", "count", (f) => String(f.pastEpochRecords), ""],
    ["past-epoch record, each (holds its tree)", "bytes", (f) => n$(f.pastEpochBytes), ""],
    ["encode past-epoch records", "ms", (f) => fmt(f.pastEncodeMs), ""],
    ["decode past-epoch records", "ms", (f) => fmt(f.pastDecodeMs), ""],
    ["state with own Commit pending", "bytes", (f) => n$(f.pendingBytes), ""],
    ["  its encode", "ms", (f) => fmt(f.pendingEncodeMs), ""],
    ["  its decode, no past epochs", "ms", (f) => fmt(f.pendingDecodeMs), ""],
  ];
  printTable(
    `Stored group state, suite 0x0001, ${provider} (receiver's state after a self-Update and 3 of 5 messages read out of order)`,
    ["measurement", "unit", ...figs.map((f) => `N=${n$(f.n)}`), `target at N=${n$(TARGET_N)}`],
    rows.map(([name, unit, get, target]) => [name, unit, ...figs.map(get), target]),
  );
  if (at === undefined) return [];
  return [
    { what: `stored state / tree wire size, N=${n$(TARGET_N)}`, target: `≤ ${STATE_RATIO_MAX}×`, measured: `${ratio(at).toFixed(3)}×`, met: ratio(at) <= STATE_RATIO_MAX },
    { what: `decode stored state, N=${n$(TARGET_N)}`, target: `≤ ${DECODE_MS_MAX} ms`, measured: `${fmt(at.decodeMs)} ms`, met: at.decodeMs <= DECODE_MS_MAX },
  ];
}

/** The rates at one N: for N = 2 two members made through the facade, otherwise the fixture's pair adopted by it. */
interface MessageRates {
  readonly n: number;
  readonly memory: FacadeRates;
  readonly sqlite: FacadeRates;
  /** The sender's stored state, and one SQLite `writeGroup` of that many bytes alone (ms: median, and mean with checkpoints). */
  readonly senderStateBytes: number;
  readonly write: { readonly median: number; readonly mean: number };
}

/** One `writeGroup` of a `bytes`-byte state to a fresh SQLite store in `dir`, alone: median and mean ms. */
async function sqliteWriteMs(dir: string, bytes: number): Promise<{ median: number; mean: number }> {
  const store = sqliteStore({ path: joinPath(dir, `write-${bytes}.db`) });
  try {
    const state = new Uint8Array(bytes).fill(0x5a);
    const groupId = new Uint8Array(32).fill(1);
    const runs = bytes > 65_536 ? 100 : 1000;
    const times: number[] = [];
    let version = 0;
    // The first writes grow the WAL file; the timed ones go through its checkpoints as a long-lived client's do.
    for (let i = 0; i < runs * 2; i++) {
      const t = performance.now();
      version = await store.writeGroup({ groupId, epoch: 1n, state, expectedVersion: version });
      if (i >= runs) times.push(performance.now() - t);
    }
    return { median: median(times), mean: times.reduce((a, b) => a + b, 0) / times.length };
  } finally {
    await store.close();
  }
}

async function benchMessageRates(spec: ProviderSpec, sizes: readonly number[], budgetMs: number, dir: string, log: (line: string) => void): Promise<MessageRates[]> {
  const out: MessageRates[] = [];
  for (const n of sizes) {
    const make =
      n === 2
        ? (name: string, storage: StoreFor) => facadePair(name, spec.make, storage)
        : async (name: string, storage: StoreFor) => adoptedPair(name, spec, (await loadOrBuildFixture(await suiteOf(spec), n)).fixture, storage);
    const t0 = performance.now();
    const rates = await benchFacadeStores(budgetMs, dir, `messages-${n}`, make);
    out.push({ n, ...rates, write: await sqliteWriteMs(dir, rates.senderStateBytes) });
    log(`persistence messages N=${n}: ${fmt((performance.now() - t0) / 1000)} s`);
  }
  return out;
}

function printMessageRates(figs: readonly MessageRates[], provider: string): Target[] {
  const targets: Target[] = [];
  const rows = RATE_ROWS.map(({ name, get, burst }) => {
    const cells: string[] = [];
    let target = burst ? "" : "reference (a write per message)";
    for (const f of figs) {
      const ratio = get(f.sqlite) / get(f.memory);
      cells.push(fmt(get(f.memory)), fmt(get(f.sqlite)), `${(ratio * 100).toFixed(0)}%`);
      if (burst && f.n === 2) {
        const met = ratio >= BURST_RATIO_MIN;
        targets.push({ what: `${name}, N=2, SQLite / in-memory`, target: `≥ ${BURST_RATIO_MIN * 100}%`, measured: `${(ratio * 100).toFixed(0)}%`, met });
        target = `≥ ${BURST_RATIO_MIN * 100}% at N=2: ${status(met)}`;
      }
    }
    return [name, ...cells, target];
  });
  printTable(
    `Facade with persistence, 1 KiB application messages, ${provider} (messages/s; the two stores' rounds interleaved)`,
    ["rate", ...figs.flatMap((f) => [`N=${n$(f.n)} memory`, "SQLite", "ratio"]), "target"],
    rows,
  );
  console.log(
    "  note: N=2 is two members made through the facade; a larger N is the protocol fixture's pair adopted by the facade\n" +
      "  (Client.adoptGroup). SQLite runs WAL with synchronous=FULL, one IMMEDIATE transaction per writeGroup: every write\n" +
      "  waits for an fsync. One at a time, every message is one write (the facade stores each consumed key before the\n" +
      "  message leaves or is released), so those rates are bound by the write's latency (on most disks, the fsync's) and,\n" +
      "  as N grows, by encoding the whole state, ratchet tree included, for every message (in memory too). A burst of\n" +
      "  256 is one write.",
  );
  for (const f of figs) {
    console.log(
      `  N=${n$(f.n)}: the sender's state is ${n$(f.senderStateBytes)} bytes; one SQLite writeGroup of that size alone takes ` +
        `${fmt(f.write.median)} ms (median; mean ${fmt(f.write.mean)} ms with the WAL's checkpoints) on this disk`,
    );
  }
  return targets;
}

function printCommits(rows: readonly CommitPersistenceRow[], provider: string): Target[] {
  const targets: Target[] = [];
  const table = rows.map((r) => {
    const checked = !r.operation.endsWith("confirm");
    const met = checked ? r.withSqlite <= r.inMemory + COMMIT_EXTRA_MS_MAX : undefined;
    if (checked)
      targets.push({ what: `${r.operation}, N=${n$(r.n)}, with SQLite`, target: `≤ ${fmt(r.inMemory)} + ${COMMIT_EXTRA_MS_MAX} ms`, measured: `${fmt(r.withSqlite)} ms`, met });
    return [
      n$(r.n),
      r.operation,
      fmt(r.inMemory),
      fmt(r.withMemoryStore),
      fmt(r.withSqlite),
      fmt(r.memoryWrite),
      fmt(r.sqliteWrite),
      `${n$(r.stateBytes)} / ${n$(r.recordBytes)}`,
      checked ? `≤ +${COMMIT_EXTRA_MS_MAX} ms: ${status(met)}` : "reference",
    ];
  });
  printTable(
    `Commits with persistence, suite 0x0001, ${provider} (ms, medians; fixture route: @mlskit/group states, then encodeGroupState + encodePastEpoch + one writeGroup as the facade's GroupPersistence does, not through the facade)`,
    ["N", "operation", "in memory", "+ memory store", "+ SQLite", "memory write", "SQLite write", "state / record bytes", "target"],
    table,
  );
  console.log(
    "  note: create writes the state with the Commit pending (before the Commit leaves); confirm (our Commit accepted) and\n" +
      "  process (another member's, staged and merged) write the new epoch's state and the record of the epoch left. A\n" +
      "  facade commit pays create + confirm. At N=2 the Remove removes the receiver, which writes its state unmerged.",
  );
  return targets;
}

/** Runs the parts `wants` asks for; returns whether every target checked was met. */
export async function runPersistenceSection(args: readonly string[], wants: (part: string) => boolean, spec: ProviderSpec): Promise<boolean> {
  const quick = args.includes("--quick");
  const started = performance.now();
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(", ");
  console.log(`\npersistence section: load average ${load()} (${availableParallelism()} cores) at the start`);
  const log = (line: string) => process.stderr.write(`  … ${line}\n`);
  const dir = mkdtempSync(joinPath(tmpdir(), "mlskit-bench-persistence-"));
  const targets: Target[] = [];
  try {
    if (wants("state")) targets.push(...printStateEncoding(await benchStateEncoding(spec, quick ? [2, 1024] : [2, 1024, 10_000], log), spec.name));
    if (wants("persist-messages")) targets.push(...printMessageRates(await benchMessageRates(spec, quick ? [2] : [2, 1024, 10_000], quick ? 300 : 2000, dir, log), spec.name));
    if (wants("persist-commits")) targets.push(...printCommits(await benchCommitPersistence(spec, [2, 16, 1024], quick, dir, log), spec.name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (targets.length > 0)
    printTable(
      "Persistence targets (issue 12)",
      ["measurement", "target", "measured", "status"],
      targets.map((t) => [t.what, t.target, t.measured, status(t.met)]),
    );
  console.log(`persistence section: ${fmt((performance.now() - started) / 1000)} s; load average ${load()} at the end`);
  return targets.every((t) => t.met !== false);
}
