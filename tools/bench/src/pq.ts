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
 * The group of N is built as protocol-fixture.ts builds it (N - 2 background
 * members, every parent populated and parent-hash valid), but with real
 * keys of the suite's KEM in every node (a random 32-byte string is no
 * ML-KEM key) and the suite's id in the GroupContext and Welcome.
 */
import { encode, utf8 } from "@mlskit/codec";
import {
  type CipherSuiteId,
  type CipherSuiteMap,
  type CipherSuiteProvider,
  CredentialType,
  DEFAULT_CIPHER_SUITE_MAP,
  ProtocolVersion,
  TS_MLS_CIPHER_SUITE_MAP,
  WireFormat,
  encryptWithLabel,
  expandWithLabel,
} from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import {
  type GroupState,
  type KeyPackage,
  createApplicationMessage,
  createCommit,
  createKeyPackage,
  encodeMlsMessage,
  groupInfoCodec,
  groupSecretsCodec,
  keyPackageRef,
  mergePendingCommit,
  processMessage,
  signGroupInfo,
} from "@mlskit/group";
import { type GroupContext, createConfirmationTag, deriveEpochSecrets, deriveWelcomeSecret, encodeGroupContext } from "@mlskit/key-schedule";
import {
  type LeafIndex,
  LeafNodeSource,
  type Node,
  type NodeIndex,
  NodeType,
  RatchetTree,
  encodeLeafNode,
  encodeParentHashInput,
  encodeParentNode,
  isLeaf,
  leafHashInput,
  leafRange,
  left,
  parentHashInput,
  right,
  root,
  signLeafNode,
} from "@mlskit/ratchet-tree";
import { fmt, printTable } from "./measure.js";
import { type DrivenMember, type GroupFixture, keyPackageOf, newMember } from "./protocol-fixture.js";
import { commitAdd, join, median, processCommit, timed } from "./protocol-steps.js";
import { pool } from "./populated-tree.js";

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
  readonly bytes: { readonly keyPackage: number; readonly addCommit: number; readonly welcome: number; readonly updateCommit: number; readonly tree: number; readonly message: number };
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

/** The nodes of a steady-state tree of `n` members (as populated-tree.ts), every HPKE key a real key of the suite. */
async function populatedTreeWithKeys(cs: CipherSuiteProvider, n: number, groupId: Uint8Array): Promise<(Node | undefined)[]> {
  let leafCount = 1;
  while (leafCount < n) leafCount *= 2;
  const width = 2 * leafCount - 1;
  const nodes: (Node | undefined)[] = new Array(width).fill(undefined);
  const signatureKeys = await pool(n, () => cs.signatureGenerateKeyPair());
  const hpkeKeys = (await pool(2 * n, () => cs.hpkeGenerateKeyPair())).map((k) => k.publicKey);
  let nextKey = 0;
  const key = () => hpkeKeys[nextKey++]!;
  const capabilities = { versions: [1], cipherSuites: [cs.suite.id], extensions: [], proposals: [], credentials: [CredentialType.basic] };
  const hasMember = (x: NodeIndex) => leafRange(x)[0] < n;

  async function blankHash(x: NodeIndex): Promise<Uint8Array> {
    if (isLeaf(x)) return cs.hash(leafHashInput(x >>> 1, undefined));
    const [l, r] = await Promise.all([blankHash(left(x)), blankHash(right(x))]);
    return cs.hash(parentHashInput(undefined, l, r));
  }

  async function fill(top: NodeIndex, ph: Uint8Array): Promise<Uint8Array> {
    const spine: NodeIndex[] = [];
    let x = top;
    while (!isLeaf(x)) {
      spine.push(x);
      x = left(x);
    }
    const leaf = (x >>> 1) as LeafIndex;
    const rights = spine.map((p) => right(p));
    const rightHashes = await Promise.all(rights.map((r) => (hasMember(r) ? fill(r, cs.randomBytes(cs.hashLength)) : blankHash(r))));
    let cur = ph;
    const encodedParents: (Uint8Array | undefined)[] = [];
    for (let i = 0; i < spine.length; i++) {
      if (!hasMember(rights[i]!)) {
        encodedParents.push(undefined);
        continue;
      }
      const parentNode = { encryptionKey: key(), parentHash: cur, unmergedLeaves: [] };
      nodes[spine[i]!] = { nodeType: NodeType.parent, parentNode };
      encodedParents.push(encodeParentNode(parentNode));
      cur = await cs.hash(encodeParentHashInput(parentNode.encryptionKey, cur, rightHashes[i]!));
    }
    const leafNode = await signLeafNode(
      cs,
      signatureKeys[leaf]!.privateKey,
      {
        encryptionKey: key(),
        signatureKey: signatureKeys[leaf]!.publicKey,
        credential: { credentialType: CredentialType.basic, identity: utf8(`member-${leaf}`) },
        capabilities,
        leafNodeSource: LeafNodeSource.commit,
        parentHash: cur,
        extensions: [],
      },
      { groupId, leafIndex: leaf },
    );
    nodes[2 * leaf] = { nodeType: NodeType.leaf, leafNode };
    let h = await cs.hash(leafHashInput(leaf, encodeLeafNode(leafNode)));
    for (let i = spine.length - 1; i >= 0; i--) h = await cs.hash(parentHashInput(encodedParents[i], h, rightHashes[i]!));
    return h;
  }

  await fill(root(leafCount), new Uint8Array(0));
  let last = width - 1;
  while (nodes[last] === undefined) last--;
  return nodes.slice(0, last + 1);
}

/** protocol-fixture.ts's buildFixture for any suite: C and R added to a populated tree of N - 2, a Welcome for both. */
async function buildFixture(cs: CipherSuiteProvider, n: number): Promise<GroupFixture> {
  const suite = cs.suite.id;
  const groupId = cs.randomBytes(cs.hashLength);
  const [committer, receiver] = await Promise.all([newMember(cs, "committer"), newMember(cs, "receiver")]);
  const cKp = keyPackageOf(committer.keyPackage);
  const rKp = keyPackageOf(receiver.keyPackage);
  const background = n - 2;
  let tree: RatchetTree;
  let diffLeaves: KeyPackage[];
  if (background === 0) {
    tree = await RatchetTree.create(cs, cKp.leafNode);
    diffLeaves = [rKp];
  } else {
    tree = await RatchetTree.fromNodes(cs, await populatedTreeWithKeys(cs, background, groupId));
    diffLeaves = [cKp, rKp];
  }
  const diff = tree.stage();
  for (const kp of diffLeaves) diff.addLeaf(kp.leafNode);
  await diff.treeHash();
  tree = await diff.merge();
  const committerLeaf = (tree.findEncryptionKey(cKp.leafNode.encryptionKey).find((x) => (x & 1) === 0)! >>> 1) as LeafIndex;
  const groupContext: GroupContext = {
    version: ProtocolVersion.mls10,
    cipherSuite: suite,
    groupId,
    epoch: 1000n,
    treeHash: await tree.treeHash(),
    confirmedTranscriptHash: await cs.hash(cs.randomBytes(32)),
    extensions: [],
  };
  const joinerSecret = cs.randomBytes(cs.hashLength);
  const secrets = await deriveEpochSecrets(cs, { joinerSecret: joinerSecret.slice(), groupContext: encodeGroupContext(groupContext) });
  const confirmationTag = await createConfirmationTag(cs, secrets.confirmationKey, groupContext.confirmedTranscriptHash);
  const groupInfo = await signGroupInfo(cs, committer.signaturePrivateKey, { groupContext, extensions: [], confirmationTag, signer: committerLeaf });
  const welcomeSecret = await deriveWelcomeSecret(cs, joinerSecret);
  const empty = new Uint8Array(0);
  const key = await expandWithLabel(cs, welcomeSecret, "key", empty, cs.aeadKeyLength);
  const nonce = await expandWithLabel(cs, welcomeSecret, "nonce", empty, cs.aeadNonceLength);
  const encryptedGroupInfo = await cs.aeadSeal(key, nonce, empty, encode(groupInfoCodec, groupInfo));
  const groupSecrets = encode(groupSecretsCodec, { joinerSecret, pathSecret: undefined, psks: [] });
  const entries = await Promise.all(
    [committer, receiver].map(async (m: DrivenMember) => {
      const kp = keyPackageOf(m.keyPackage);
      return { newMember: await keyPackageRef(cs, kp), encryptedGroupSecrets: await encryptWithLabel(cs, kp.initKey, "Welcome", encryptedGroupInfo, groupSecrets) };
    }),
  );
  const welcome = encodeMlsMessage({ version: ProtocolVersion.mls10, wireFormat: WireFormat.mls_welcome, welcome: { cipherSuite: suite, secrets: entries, encryptedGroupInfo } });
  secrets.wipe();
  return { n, tree: tree.encode(), welcome, committer, receiver, backgroundLeaf: background > 0 ? (0 as LeafIndex) : undefined };
}

async function benchOne(spec: SuiteSpec, n: number, quick: boolean): Promise<PqFigures> {
  const t0 = performance.now();
  const make = () => nobleCryptoProvider({ cipherSuites: spec.map }).cipherSuite(spec.id);
  const cs = await make();
  const fixture = await buildFixture(cs, n);
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
    createKeyPackage({ cs: csJ, credential: { credentialType: CredentialType.basic, identity: utf8("joiner") }, signaturePrivateKey: sig.privateKey, signaturePublicKey: sig.publicKey }),
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
    figures.map((f) => [name(f), String(f.n), fmt(f.keyPackage), fmt(f.addCreate), fmt(f.addProcess), fmt(f.join), fmt(f.updateCreate), fmt(f.updateProcess), fmt(f.encrypt), fmt(f.decrypt)]),
  );
  printTable(
    "post-quantum suites: wire sizes in bytes (Welcome without the ratchet tree; the tree is given out of band, its size apart)",
    ["suite", "N", "KeyPackage", "Add commit", "Welcome", "full-path commit", "ratchet tree", "message (100 B)"],
    figures.map((f) => [name(f), String(f.n), ...[f.bytes.keyPackage, f.bytes.addCommit, f.bytes.welcome, f.bytes.updateCommit, f.bytes.tree, f.bytes.message].map((b) => b.toLocaleString("en-US"))]),
  );
  console.log(`pq section: ${fmt((performance.now() - started) / 1000)} s`);
  return figures;
}
