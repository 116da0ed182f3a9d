/**
 * The post-quantum section of `npm run bench` (`--only=pq`): what the
 * post-quantum suites cost beside suite 0x0001, at N = 2 and 1,024 (or
 * `--sizes=`): creating a KeyPackage, committing an Add (and processing it),
 * joining from its Welcome (ratchet tree out of band, fully validated),
 * a full-path Commit (self-Update, and processing it), one application
 * message each way; and the sizes of the KeyPackage, the Add Commit, its
 * Welcome, the full-path Commit, the ratchet tree and a message.
 *
 * Suites: 0x0001 and every draft-ietf-mls-pq-ciphersuites-06 suite at its
 * provisional code point (DEFAULT_CIPHER_SUITE_MAP, 0xF101-0xF10B), then
 * ts-mls 2.0's suites (TS_MLS_CIPHER_SUITE_MAP, 0xF007-0xF012). `--pq-suites=`
 * picks some (hex ids; ts-mls ids are looked up in its map). All on the noble
 * provider (the one that serves every suite; webcrypto+noble serves the PQ
 * suites through the same noble KEM and ML-DSA).
 *
 * The group of N is built by protocol-fixture.ts's buildFixture (N - 2
 * background members, every parent populated and parent-hash valid), with
 * real keys of the suite's KEM in every node (a random 32-byte string is no
 * ML-KEM key) and the suite's id in the GroupContext and Welcome.
 */
import { utf8 } from "@mlskit/codec";
import { type CipherSuiteId, type CipherSuiteMap, CredentialType, DEFAULT_CIPHER_SUITE_MAP, TS_MLS_CIPHER_SUITE_MAP } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { type GroupState, createApplicationMessage, createCommit, createKeyPackage, mergePendingCommit, processMessage } from "@mlskit/group";
import { fmt, printTable } from "./measure.js";
import { buildFixture, newMember } from "./protocol-fixture.js";
import { commitAdd, join, median, processCommit, timed } from "./protocol-steps.js";

/** A suite to bench: its id in the map its provider speaks. */
interface SuiteSpec {
  readonly id: CipherSuiteId;
  readonly map: CipherSuiteMap;
  readonly mapName: "draft-06" | "ts-mls";
}

export interface PqFigures {
  readonly suite: string;
  readonly n: number;
  readonly setupS: number;
  readonly keyPackage: number;
  readonly addCreate: number;
  readonly addProcess: number;
  readonly join: number;
  readonly updateCreate: number;
  readonly updateProcess: number;
  readonly encrypt: number;
  readonly decrypt: number;
  readonly bytes: {
    readonly keyPackage: number;
    readonly addCommit: number;
    readonly welcome: number;
    readonly updateCommit: number;
    readonly tree: number;
    readonly message: number;
  };
}

const hex = (id: number) => `0x${id.toString(16).padStart(4, "0")}`;
const PAYLOAD = new Uint8Array(100).fill(0x61);

function suitesFrom(argv: readonly string[]): SuiteSpec[] {
  const all: SuiteSpec[] = [
    { id: 0x0001, map: DEFAULT_CIPHER_SUITE_MAP, mapName: "draft-06" },
    ...[...DEFAULT_CIPHER_SUITE_MAP.keys()].filter((id) => id >= 0xf000).map((id) => ({ id, map: DEFAULT_CIPHER_SUITE_MAP, mapName: "draft-06" as const })),
    ...[...TS_MLS_CIPHER_SUITE_MAP.keys()].filter((id) => id >= 0xf000).map((id) => ({ id, map: TS_MLS_CIPHER_SUITE_MAP, mapName: "ts-mls" as const })),
  ];
  const picked = argv.find((a) => a.startsWith("--pq-suites="))?.slice("--pq-suites=".length);
  if (picked === undefined) return all;
  return picked.split(",").map((s) => {
    const id = Number(s.startsWith("0x") ? s : `0x${s}`);
    const spec = all.find((x) => x.id === id);
    if (spec === undefined) throw new Error(`--pq-suites: unknown suite ${s}`);
    return spec;
  });
}

async function benchOne(spec: SuiteSpec, n: number, quick: boolean): Promise<PqFigures> {
  const t0 = performance.now();
  const make = () => nobleCryptoProvider({ cipherSuites: spec.map }).cipherSuite(spec.id);
  const cs = await make();
  const fixture = await buildFixture(cs, n, async () => (await cs.hpkeGenerateKeyPair()).publicKey);
  // C and R join, C sends one self-Update that R processes (C's path is then fresh, as in protocol.ts).
  const [csC, csR] = await Promise.all([make(), make()]);
  const [c0, r0] = await Promise.all([join(csC, fixture.committer, fixture.welcome, fixture.tree), join(csR, fixture.receiver, fixture.welcome, fixture.tree)]);
  const first = await createCommit(c0, { forcePath: true });
  const C = mergePendingCommit(first.state);
  const R = (await processCommit(r0, first.commit))!;
  const setupS = (performance.now() - t0) / 1000;

  const big = n >= 512;
  const runs = quick ? 3 : big ? 5 : 11;
  const joinRuns = quick ? 1 : big ? 3 : 7;

  const csJ = await make();
  const sig = await csJ.signatureGenerateKeyPair();
  const kp = await timed(runs, 1, () =>
    createKeyPackage({
      cs: csJ,
      credential: { credentialType: CredentialType.basic, identity: utf8("joiner") },
      signaturePrivateKey: sig.privateKey,
      signaturePublicKey: sig.publicKey,
    }),
  );
  const joiners = await Promise.all(Array.from({ length: runs + 1 }, (_, i) => newMember(csJ, `joiner-${i}`)));
  const nextStates: GroupState[] = [];
  const add = await timed(runs, 1, async (i) => {
    const created = await commitAdd(csC, C, joiners[i]!.keyPackage);
    nextStates.push(created.pending.state);
    return { commit: created.commit, welcome: created.welcome!, joiner: joiners[i]! };
  });
  nextStates.splice(0, 1);
  const trees = nextStates.map((s) => s.tree.encode());
  nextStates.length = 0;
  const addProcess = await timed(add.results.length - 1, 1, (i) => processCommit(R, add.results[i]!.commit));
  const joinTimes: number[] = [];
  for (let i = 0; i < Math.min(joinRuns, add.results.length); i++) {
    const csN = await make();
    const t = performance.now();
    await join(csN, add.results[i]!.joiner, add.results[i]!.welcome, trees[i]!);
    joinTimes.push(performance.now() - t);
  }
  const update = await timed(runs, 1, async () => (await createCommit(C, { forcePath: true })).commit);
  const updateProcess = await timed(update.results.length - 1, 1, (i) => processCommit(R, update.results[i]!));

  // One message at a time, C → R (signed with the suite's scheme, then encrypted).
  const messages: Uint8Array[] = [];
  const encrypt = await timed(quick ? 10 : 50, 5, async () => {
    const m = await createApplicationMessage(C, PAYLOAD);
    messages.push(m);
    return m.length;
  });
  const decrypt = await timed(messages.length - 1, 1, async (i) => {
    const r = await processMessage(R, messages[i]!);
    if (r.kind !== "application") throw new Error("application message not decrypted");
  });

  return {
    suite: `${hex(spec.id)}${spec.mapName === "ts-mls" ? " (ts-mls)" : ""} ${cs.suite.name.replace(/^MLS_/, "")}`,
    n,
    setupS,
    keyPackage: kp.ms,
    addCreate: add.ms,
    addProcess: addProcess.ms,
    join: median(joinTimes),
    updateCreate: update.ms,
    updateProcess: updateProcess.ms,
    encrypt: encrypt.ms,
    decrypt: decrypt.ms,
    bytes: {
      keyPackage: add.results[0]!.joiner.keyPackage.length,
      addCommit: add.results[0]!.commit.length,
      welcome: add.results[0]!.welcome.length,
      updateCommit: update.results[0]!.length,
      tree: trees[0]!.length,
      message: encrypt.results[0]!,
    },
  };
}

/** Runs the section and prints its two tables (costs in ms, sizes in bytes). */
export async function runPqSection(argv: readonly string[]): Promise<PqFigures[]> {
  const quick = argv.includes("--quick");
  const sizes = argv
    .find((a) => a.startsWith("--sizes="))
    ?.slice(8)
    .split(",")
    .map((s) => Number(s.replace(/[_']/g, "")))
    .filter((n) => Number.isInteger(n) && n >= 2) ?? [2, 1024];
  const started = performance.now();
  const figures: PqFigures[] = [];
  // A discarded warm-up (the first suite measured would otherwise pay for the JIT).
  await benchOne({ id: 0x0001, map: DEFAULT_CIPHER_SUITE_MAP, mapName: "draft-06" }, 2, true);
  for (const n of sizes) {
    for (const spec of suitesFrom(argv)) {
      const f = await benchOne(spec, n, quick);
      figures.push(f);
      console.log(`pq: ${f.suite} N=${n}: set up in ${fmt(f.setupS)} s`);
    }
  }
  const name = (f: PqFigures) => `${f.suite}`;
  printTable(
    "post-quantum suites (noble): median ms per operation (KeyPackage = create one; Add/update = the committer's Commit, 'proc' = a member processing it; join = joinFromWelcome with the tree out of band, fully validated; msg = one 100-byte application message)",
    ["suite", "N", "KeyPackage", "Add", "Add proc", "join", "full-path commit", "commit proc", "msg enc", "msg dec"],
    figures.map((f) => [
      name(f),
      String(f.n),
      fmt(f.keyPackage),
      fmt(f.addCreate),
      fmt(f.addProcess),
      fmt(f.join),
      fmt(f.updateCreate),
      fmt(f.updateProcess),
      fmt(f.encrypt),
      fmt(f.decrypt),
    ]),
  );
  printTable(
    "post-quantum suites: wire sizes in bytes (Welcome without the ratchet tree; the tree is given out of band, its size apart)",
    ["suite", "N", "KeyPackage", "Add commit", "Welcome", "full-path commit", "ratchet tree", "message (100 B)"],
    figures.map((f) => [
      name(f),
      String(f.n),
      ...[f.bytes.keyPackage, f.bytes.addCommit, f.bytes.welcome, f.bytes.updateCommit, f.bytes.tree, f.bytes.message].map((b) => b.toLocaleString("en-US")),
    ]),
  );
  console.log(`pq section: ${fmt((performance.now() - started) / 1000)} s`);
  return figures;
}
