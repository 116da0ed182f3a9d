/**
 * Deriving one leaf of the secret tree (RFC 9420 §9) apart from the tree:
 * the path from the frontier node above the leaf down to it, and the leaf's
 * handshake and application ratchets. The tree attaches the result only
 * when a message authenticated, so a lookup that fails leaves no trace.
 */
import { utf8, wipe } from "@mlskit/codec";
import { type CipherSuiteProvider, InternalError, deriveSecret, expandWithLabel } from "@mlskit/core";
import type { HashRatchet } from "./hash-ratchet.js";
import type { RatchetKeyNonce } from "./key-nonce.js";
import { left, right, root } from "./tree-math.js";

const LEFT = utf8("left");
const RIGHT = utf8("right");

export interface LeafRatchets {
  readonly handshake: HashRatchet;
  readonly application: HashRatchet;
}

/** A leaf's ratchets derived outside the tree, with the off-path secrets met on the way (see {@link deriveLeafDetached}). */
export interface DetachedLeaf {
  readonly offPath: Map<number, Uint8Array>;
  readonly ratchets: LeafRatchets;
  wipe(): void;
}

/** A detached derivation shared by lookups in flight, and how many use it. */
export interface DetachedEntry {
  users: number;
  value: DetachedLeaf | undefined;
  derived: Promise<DetachedLeaf>;
}

/** A receiver's key looked up by `SecretTree.peekKey`: consume it once the message authenticated, or discard it. */
export interface TreeKey {
  readonly key: RatchetKeyNonce;
  /**
   * The message authenticated: the generation is consumed and the tree moves
   * (synchronous). The caller still wipes `key` after use.
   * @throws ValidationError `secret-tree/generation-consumed` when another message consumed it meanwhile.
   */
  consume(): void;
  /** The message failed: the key is wiped and the tree stays as it was. */
  discard(): void;
}

/**
 * The node on the root-to-`leaf` path that holds a secret: exactly one does
 * until the leaf is derived (parents are deleted as they split, §9.2).
 */
export function frontierOn(nodes: ReadonlyMap<number, Uint8Array>, leafCount: number, leaf: number): number {
  const target = 2 * leaf;
  let x = root(leafCount);
  while (!nodes.has(x)) {
    if (x === target) throw new InternalError("secret-tree/missing-node", `no secret on the path to leaf ${leaf}`);
    x = target < x ? left(x) : right(x);
  }
  return x;
}

/**
 * Derives the ratchets of `leaf` from a copy of `frontierSecret` (the secret
 * of node `frontier` above it), keeping the secrets of the path's off-path
 * children; changes nothing of the caller's (so concurrent derivations
 * cannot wipe each other's inputs).
 */
export async function deriveLeafDetached(
  cs: CipherSuiteProvider,
  frontier: number,
  frontierSecret: Uint8Array,
  leaf: number,
  ratchetsOf: (handshake: Uint8Array, application: Uint8Array) => LeafRatchets,
): Promise<DetachedLeaf> {
  const nh = cs.hashLength;
  const target = 2 * leaf;
  const offPath = new Map<number, Uint8Array>();
  const wipeAll = () => {
    for (const v of offPath.values()) wipe(v);
  };
  let x = frontier;
  let secret: Uint8Array = frontierSecret.slice();
  try {
    while (x !== target) {
      const [l, r] = await Promise.all([expandWithLabel(cs, secret, "tree", LEFT, nh), expandWithLabel(cs, secret, "tree", RIGHT, nh)]);
      wipe(secret);
      const goLeft = target < x;
      offPath.set(goLeft ? right(x) : left(x), goLeft ? r : l);
      secret = goLeft ? l : r;
      x = goLeft ? left(x) : right(x);
    }
    const [handshake, application] = await Promise.all([deriveSecret(cs, secret, "handshake"), deriveSecret(cs, secret, "application")]);
    wipe(secret);
    const ratchets = ratchetsOf(handshake, application);
    return {
      offPath,
      ratchets,
      wipe: () => {
        wipeAll();
        ratchets.handshake.wipe();
        ratchets.application.wipe();
      },
    };
  } catch (e) {
    wipe(secret);
    wipeAll();
    throw e;
  }
}
