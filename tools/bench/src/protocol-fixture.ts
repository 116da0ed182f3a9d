/**
 * Fixtures of the protocol benchmarks: a group of N members in a realistic
 * steady state, and two members of it whose group states we hold.
 *
 * How the group is built, and why. A group of N members built with the
 * protocol alone would take N members' worth of commits: one batch Add
 * commit is cheap, but it leaves every parent node blank, and with blank
 * parents a Remove or self-Update costs O(N) HPKE encryptions (the
 * resolution of each copath node is all the leaves under it), which is
 * neither what a long-lived group looks like nor what the targets are
 * about. Populating the parents needs about N/2 members to commit, each
 * from a state of its own (a join, O(N), per member): hours at N = 10,000.
 *
 * So the tree is built directly, the way `tree.ts` does: N - 2 "background"
 * members with their own Ed25519 keys, each leaf signed, every parent node
 * populated and parent-hash valid, as if the members had committed one after
 * another from the right (the state of a group where everyone has committed
 * since the last membership change). Then the two members we drive — the
 * committer C and the receiver R — are added at the next blank leaves with
 * their real KeyPackages, through `TreeDiff.addLeaf` exactly as an Add-only
 * Commit would (so they are `unmerged_leaves` of their non-blank ancestors),
 * and a Welcome for both is made from a GroupInfo of that epoch signed by C
 * (GroupSecrets without a path secret, as after an Add-only Commit). Both
 * join it with the real `joinFromWelcome`, tree out of band, so the tree is
 * fully validated (tree hash, parent hashes, every leaf signature) and the
 * states are genuine. The protocol benchmarks then have C send one self-
 * Update that R processes, which clears the unmerged marks on C's path:
 * from there every copath node has a resolution of one node, and the
 * measured commits cost what they cost in a steady-state group (log N
 * HPKE encryptions for a path; a Remove adds the blanked path of the
 * removed member to some resolutions).
 *
 * The expensive part (N signature key pairs and N leaf signatures) is
 * cached under /tmp/mlskit-bench/ as bytes: the tree, the Welcome, and C's
 * and R's KeyPackages with their private keys. They are independent of the
 * crypto provider (keys use the canonical encodings).
 */
import { Reader, Writer, encode, utf8 } from "@mlskit/codec";
import { type CipherSuiteProvider, CredentialType, ProtocolVersion, WireFormat, encryptWithLabel, expandWithLabel } from "@mlskit/core";
import { type KeyPackage, createKeyPackage, decodeMlsMessage, encodeMlsMessage, groupInfoCodec, groupSecretsCodec, keyPackageRef, signGroupInfo } from "@mlskit/group";
import { type GroupContext, createConfirmationTag, deriveEpochSecrets, deriveWelcomeSecret, encodeGroupContext } from "@mlskit/key-schedule";
import { type LeafIndex, LeafNodeSource, type Node, type NodeIndex, NodeType, RatchetTree, signLeafNode } from "@mlskit/ratchet-tree";
import { type EncryptionKeySource, pool, populatedTree } from "./populated-tree.js";

export const SUITE = 0x0001;
const CACHE_DIR = "/tmp/mlskit-bench";
const CACHE_VERSION = 1;
/** KeyPackages in a cached fixture expire (84 days); rebuild well before. */
const CACHE_MAX_AGE_MS = 14 * 86_400_000;

/** One member we drive: its KeyPackage (MLSMessage bytes) and private keys. */
export interface DrivenMember {
  readonly keyPackage: Uint8Array;
  readonly initPrivateKey: Uint8Array;
  readonly encryptionPrivateKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
}

/**
 * How the background members' part of the tree looks:
 * - "steady": every parent populated (everyone has committed since the last
 *   membership change; see the header);
 * - "added": the group as its creator leaves it after adding everyone in
 *   Add-only Commits (no paths): every leaf from a KeyPackage
 *   (`leaf_node_source` key_package), every parent blank. The first
 *   full-path Commit of a member then encrypts to every other leaf (the
 *   resolution of each copath node is all its leaves: N - 1 HPKE
 *   encryptions), the worst case of commit creation.
 */
export type FixtureShape = "steady" | "added";

/** A group of `n` members as bytes. */
export interface GroupFixture {
  readonly n: number;
  /** The ratchet tree (out of band), C and R included. */
  readonly tree: Uint8Array;
  /** A Welcome for C and R (MLSMessage). */
  readonly welcome: Uint8Array;
  readonly committer: DrivenMember;
  readonly receiver: DrivenMember;
  /** The leaf of a background member (the one a Remove removes), or undefined when n = 2. */
  readonly backgroundLeaf: LeafIndex | undefined;
}

/** The KeyPackage struct of an MLSMessage. */
export function keyPackageOf(bytes: Uint8Array): KeyPackage {
  const m = decodeMlsMessage(bytes);
  if (m.wireFormat !== WireFormat.mls_key_package) throw new Error("not a KeyPackage");
  return m.keyPackage as KeyPackage;
}

/** A fresh KeyPackage of a new client (fresh signature key) as an MLSMessage with its private keys. */
export async function newMember(cs: CipherSuiteProvider, identity: string): Promise<DrivenMember> {
  const sig = await cs.signatureGenerateKeyPair();
  const created = await createKeyPackage({
    cs,
    credential: { credentialType: CredentialType.basic, identity: utf8(identity) },
    signaturePrivateKey: sig.privateKey,
    signaturePublicKey: sig.publicKey,
  });
  const keyPackage = encodeMlsMessage({ version: ProtocolVersion.mls10, wireFormat: WireFormat.mls_key_package, keyPackage: created.keyPackage });
  return {
    keyPackage,
    initPrivateKey: created.privateKeys.initPrivateKey.slice(),
    encryptionPrivateKey: created.privateKeys.encryptionPrivateKey.slice(),
    signaturePrivateKey: sig.privateKey,
  };
}

/**
 * Builds the fixture of `n` members in `cs`'s suite (its id in the
 * GroupContext and Welcome); the background members' node keys come from
 * `encryptionKey` (see {@link populatedTree}; random bytes by default).
 */
export async function buildFixture(cs: CipherSuiteProvider, n: number, encryptionKey?: EncryptionKeySource, shape: FixtureShape = "steady"): Promise<GroupFixture> {
  if (n < 2) throw new Error("a protocol fixture needs at least 2 members");
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
  } else if (shape === "added") {
    tree = await RatchetTree.fromNodes(cs, await addedLeaves(cs, background, encryptionKey));
    diffLeaves = [cKp, rKp];
  } else {
    tree = await RatchetTree.fromNodes(cs, (await populatedTree(cs, background, groupId, encryptionKey)).nodes);
    diffLeaves = [cKp, rKp];
  }
  // C and R join as an Add-only Commit adds them: leftmost blank leaves, unmerged in their non-blank ancestors.
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
    confirmedTranscriptHash: cs.randomBytes(cs.hashLength),
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
    [committer, receiver].map(async (m) => {
      const kp = keyPackageOf(m.keyPackage);
      return {
        newMember: await keyPackageRef(cs, kp),
        encryptedGroupSecrets: await encryptWithLabel(cs, kp.initKey, "Welcome", encryptedGroupInfo, groupSecrets),
      };
    }),
  );
  const welcome = encodeMlsMessage({
    version: ProtocolVersion.mls10,
    wireFormat: WireFormat.mls_welcome,
    welcome: { cipherSuite: suite, secrets: entries, encryptedGroupInfo },
  });
  secrets.wipe();
  return { n, tree: tree.encode(), welcome, committer, receiver, backgroundLeaf: background > 0 ? (0 as LeafIndex) : undefined };
}

/** The nodes of `n` leaves from KeyPackages (source key_package, valid for 80 days from an hour ago), parents blank. */
async function addedLeaves(cs: CipherSuiteProvider, n: number, encryptionKey?: EncryptionKeySource): Promise<(Node | undefined)[]> {
  const capabilities = { versions: [1], cipherSuites: [cs.suite.id], extensions: [], proposals: [], credentials: [CredentialType.basic] };
  const now = BigInt(Math.floor(Date.now() / 1000));
  const lifetime = { notBefore: now - 3600n, notAfter: now + 80n * 86_400n };
  const nodes: (Node | undefined)[] = new Array(2 * n - 1).fill(undefined);
  await pool(n, async (i) => {
    const sig = await cs.signatureGenerateKeyPair();
    const leafNode = await signLeafNode(cs, sig.privateKey, {
      encryptionKey: (await encryptionKey?.((2 * i) as NodeIndex)) ?? cs.randomBytes(32),
      signatureKey: sig.publicKey,
      credential: { credentialType: CredentialType.basic, identity: utf8(`member-${i}`) },
      capabilities,
      leafNodeSource: LeafNodeSource.key_package,
      lifetime,
      extensions: [],
    });
    nodes[2 * i] = { nodeType: NodeType.leaf, leafNode };
  });
  return nodes;
}

function writeMember(w: Writer, m: DrivenMember): void {
  for (const b of [m.keyPackage, m.initPrivateKey, m.encryptionPrivateKey, m.signaturePrivateKey]) w.opaque(b);
}

function readMember(r: Reader): DrivenMember {
  return { keyPackage: r.opaque().slice(), initPrivateKey: r.opaque().slice(), encryptionPrivateKey: r.opaque().slice(), signaturePrivateKey: r.opaque().slice() };
}

/** The fixture of `n` members: from the cache, or built (with `cs`, any provider) and cached. */
export async function loadOrBuildFixture(cs: CipherSuiteProvider, n: number, shape: FixtureShape = "steady"): Promise<{ fixture: GroupFixture; built: boolean; ms: number }> {
  // node:fs loaded here, not at the top: the rest of this file also runs in a browser (tools/bench/src/browser/).
  const { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } = await import("node:fs");
  const t0 = performance.now();
  const file = `${CACHE_DIR}/protocol-v${CACHE_VERSION}-suite${SUITE}-n${n}${shape === "steady" ? "" : `-${shape}`}.bin`;
  if (existsSync(file) && Date.now() - statSync(file).mtimeMs < CACHE_MAX_AGE_MS) {
    try {
      const r = new Reader(new Uint8Array(readFileSync(file)));
      const tree = r.opaque().slice();
      const welcome = r.opaque().slice();
      const committer = readMember(r);
      const receiver = readMember(r);
      const bg = r.uint32();
      const fixture = { n, tree, welcome, committer, receiver, backgroundLeaf: bg === 0xffffffff ? undefined : (bg as LeafIndex) };
      return { fixture, built: false, ms: performance.now() - t0 };
    } catch {
      // Unreadable (an older layout): rebuild below.
    }
  }
  const fixture = await buildFixture(cs, n, undefined, shape);
  mkdirSync(CACHE_DIR, { recursive: true });
  const w = new Writer(fixture.tree.length + 4096);
  w.opaque(fixture.tree);
  w.opaque(fixture.welcome);
  writeMember(w, fixture.committer);
  writeMember(w, fixture.receiver);
  w.uint32(fixture.backgroundLeaf ?? 0xffffffff);
  writeFileSync(file, w.finish());
  return { fixture, built: true, ms: performance.now() - t0 };
}
