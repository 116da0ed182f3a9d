/**
 * A member's private TreeKEM state (RFC 9420 §4.2 "Views of a Ratchet Tree"):
 * its leaf index and the HPKE private keys it holds for its leaf and for
 * nodes on its direct path. Redacts itself in JSON and `util.inspect`.
 */
import { deriveSecret, deriveSecretSync, hasSyncKdf, type CipherSuiteProvider, type KeyPair } from "@mlskit/core";
import type { LeafIndex, NodeIndex } from "./tree-math.js";
import type { TreeView } from "./tree-view.js";

/** HPKE private keys of one member, by node index. Immutable. */
export class TreePrivateKeys {
  readonly leafIndex: LeafIndex;
  readonly #keys: ReadonlyMap<NodeIndex, Uint8Array>;

  constructor(leafIndex: LeafIndex, keys: Iterable<readonly [NodeIndex, Uint8Array]>) {
    this.leafIndex = leafIndex;
    this.#keys = new Map(keys);
  }

  /** The private key for a node, if held. */
  get(n: NodeIndex): Uint8Array | undefined {
    return this.#keys.get(n);
  }

  has(n: NodeIndex): boolean {
    return this.#keys.has(n);
  }

  /** Nodes with a private key, in increasing order. */
  nodes(): NodeIndex[] {
    return [...this.#keys.keys()].sort((a, b) => a - b);
  }

  /** A copy without the keys of `drop` and with `add` set. */
  with(add: Iterable<readonly [NodeIndex, Uint8Array]>, drop: Iterable<NodeIndex> = []): TreePrivateKeys {
    const keys = new Map(this.#keys);
    for (const n of drop) keys.delete(n);
    for (const [n, k] of add) keys.set(n, k);
    return new TreePrivateKeys(this.leafIndex, keys);
  }

  /**
   * A copy without the keys of nodes that are blank in `tree` (after Update
   * or Remove proposals blanked them, §12.1.2, §12.1.3), as §7.5 asks
   * replaced key material to be deleted.
   */
  retainNonBlank(tree: TreeView): TreePrivateKeys {
    return this.with(
      [],
      [...this.#keys.keys()].filter((n) => tree.isBlank(n)),
    );
  }

  toJSON(): { leafIndex: number; keys: string } {
    return { leafIndex: this.leafIndex, keys: `[${this.#keys.size} redacted]` };
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `TreePrivateKeys { leafIndex: ${this.leafIndex}, keys: [${this.#keys.size} redacted] }`;
  }
}

/** node_secret = DeriveSecret(path_secret, "node"); (priv, pub) = KEM.DeriveKeyPair(node_secret) (§7.4). node_secret is wiped. */
export async function deriveNodeKeyPair(cs: CipherSuiteProvider, pathSecret: Uint8Array): Promise<KeyPair> {
  // Without an await where the provider's KDF is synchronous (node:crypto, noble).
  const nodeSecret = hasSyncKdf(cs) ? deriveSecretSync(cs, pathSecret, "node") : await deriveSecret(cs, pathSecret, "node");
  try {
    return await cs.hpkeDeriveKeyPair(nodeSecret);
  } finally {
    nodeSecret.fill(0);
  }
}

/** path_secret[n+1] = DeriveSecret(path_secret[n], "path") (§7.4). */
export function nextPathSecret(cs: CipherSuiteProvider, pathSecret: Uint8Array): Promise<Uint8Array> {
  return deriveSecret(cs, pathSecret, "path");
}

/**
 * `first` followed by `count` path secrets, each DeriveSecret(previous, "path")
 * (§7.4): without an await per secret where the provider's KDF is synchronous.
 */
export async function pathSecretChain(cs: CipherSuiteProvider, first: Uint8Array, count: number): Promise<Uint8Array[]> {
  const out = [first];
  let last = first;
  for (let i = 0; i < count; i++) {
    last = hasSyncKdf(cs) ? deriveSecretSync(cs, last, "path") : await deriveSecret(cs, last, "path");
    out.push(last);
  }
  return out;
}
