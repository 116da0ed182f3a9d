/**
 * What refusing an oversized ratchet tree costs a joiner (issue 13): a
 * Welcome whose out-of-band tree lists one leaf more than the default
 * `maxTreeLeaves` (65,537 real-sized leaves, ~17 MB), and a tree claiming
 * 1,000,000 nodes (1 MB of blank nodes). Both go through `joinFromWelcome`
 * with the default policy and are refused with `limits/tree-too-large`
 * while parsing, before any hash or signature. For scale, the 1,000,000-node
 * claim is also parsed with the cap lifted (it then fails at its last byte).
 */
import { type CryptoProvider, ValidationError } from "@mlskit/core";
import { DEFAULT_MAX_TREE_LEAVES, type GroupPolicy, createCommit, createGroup, groupPolicy, joinFromWelcome } from "@mlskit/group";
import { encodeLeafNode } from "@mlskit/ratchet-tree";
import { fmt, printTable, timeMs } from "./measure.js";
import { keyPackageClient, services } from "./protocol-steps.js";

/** A `ratchet_tree` body: a 4-byte varint length prefix (RFC 9420 §2.1.2), then `body`. */
function prefixed(body: Uint8Array): Uint8Array {
  const n = body.length;
  const out = new Uint8Array(4 + n);
  out.set([0x80 | ((n >>> 24) & 0x3f), (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  out.set(body, 4);
  return out;
}

/** A tree listing `leaves` copies of `leaf` (blank parents between): structurally valid, too large to be accepted. */
function treeOfLeaves(leaf: Uint8Array, leaves: number): Uint8Array {
  const nodeLen = 2 + leaf.length;
  const body = new Uint8Array(leaves * nodeLen + (leaves - 1));
  let p = 0;
  for (let l = 0; l < leaves; l++) {
    if (l > 0) body[p++] = 0; // the blank parent before this leaf
    body[p++] = 1; // present
    body[p++] = 1; // node_type leaf
    body.set(leaf, p);
    p += leaf.length;
  }
  return prefixed(body);
}

/** `nodes` blank nodes, the last byte an invalid presence flag (a full parse fails there). */
function millionNodeClaim(nodes: number): Uint8Array {
  const body = new Uint8Array(nodes);
  body[nodes - 1] = 7;
  return prefixed(body);
}

/** Times refusing out-of-band trees in `joinFromWelcome` (suite 0x0001). */
export async function benchLimits(crypto: CryptoProvider, quick: boolean): Promise<void> {
  const cs = await crypto.cipherSuite(0x0001);
  const policy = groupPolicy({});
  const [a, b] = await Promise.all([keyPackageClient(cs, "alice"), keyPackageClient(cs, "bob")]);
  const alice = await createGroup({
    cs,
    leafNode: a.kp.keyPackage.leafNode,
    encryptionPrivateKey: a.kp.privateKeys.encryptionPrivateKey,
    signaturePrivateKey: a.sig.privateKey,
    services,
    policy,
  });
  const commit = await createCommit(alice, { proposals: [{ add: b.kp.keyPackage as never }], ratchetTreeInWelcome: false });
  const join = (ratchetTree: Uint8Array, p: GroupPolicy) =>
    joinFromWelcome({
      cs,
      welcome: commit.welcome!,
      keyPackage: b.kp.keyPackage,
      initPrivateKey: b.kp.privateKeys.initPrivateKey,
      encryptionPrivateKey: b.kp.privateKeys.encryptionPrivateKey,
      signaturePrivateKey: b.sig.privateKey,
      ratchetTree,
      services,
      policy: p,
    }).then(
      () => "accepted",
      (e: unknown) => (ValidationError.isInstance(e) ? e.code : ((e as { code?: string }).code ?? String(e))),
    );
  const overCap = treeOfLeaves(encodeLeafNode(b.kp.keyPackage.leafNode), DEFAULT_MAX_TREE_LEAVES + 1);
  const claim = millionNodeClaim(1_000_000);
  const uncapped = groupPolicy({ maxTreeLeaves: 2 ** 30 });
  const runs = quick ? 3 : 11;
  const cases: [string, Uint8Array, GroupPolicy][] = [
    [`${(DEFAULT_MAX_TREE_LEAVES + 1).toLocaleString("en-US")} leaves (cap + 1)`, overCap, policy],
    ["1,000,000-node claim", claim, policy],
    ["1,000,000-node claim, cap lifted", claim, uncapped],
  ];
  const rows: string[][] = [];
  for (const [what, tree, p] of cases) {
    const outcome = await join(tree, p);
    const ms = await timeMs(() => join(tree, p), runs);
    rows.push([what, `${(tree.length / 1e6).toFixed(1)} MB`, outcome, fmt(ms)]);
  }
  printTable(
    `Refusing an out-of-band ratchet tree in joinFromWelcome (suite 0x0001, default maxTreeLeaves ${DEFAULT_MAX_TREE_LEAVES.toLocaleString("en-US")}; median of ${runs}, ms)`,
    ["tree", "size", "outcome", "ms"],
    rows,
  );
}
