/**
 * The synchronous per-leaf checks of tree validation (§7.2, §7.3), read
 * straight from each leaf's encoding: capabilities (credential types in use,
 * the group's cipher suite, required capabilities), the leaf's own
 * extensions, and `key_package` lifetimes.
 */
import { expectDefined } from "@mlskit/core";
import { LeafNodeSource, leafNodeLayout } from "./leaf-node.js";
import { skipOpaqueAt, varintLengthAt, varintValueAt } from "./encoded-fields.js";
import type { TreeView } from "./tree-view.js";
import type { TreeValidationOptions } from "./tree-validation-options.js";
import { fail } from "./error-codes.js";

const DEFAULT_EXTENSIONS = new Set([1, 2, 3, 4, 5]);
const DEFAULT_PROPOSALS = new Set([1, 2, 3, 4, 5, 6, 7]);

/** Whether the uint16 vector whose length prefix is at `at` contains `v`. */
function u16VectorHas(b: Uint8Array, at: number, v: number): boolean {
  const p = at + varintLengthAt(b, at);
  const end = p + varintValueAt(b, at);
  for (let i = p; i < end; i += 2) if (((expectDefined(b[i], "b[i]") << 8) | expectDefined(b[i + 1], "b[i + 1]")) === v) return true;
  return false;
}

/** Synchronous leaf checks of §7.2/§7.3: capabilities, extensions, lifetime. */
export function checkLeaves(tree: TreeView, options: TreeValidationOptions): void {
  const suite = tree.cs.suite.id;
  const inUse = new Set<number>();
  const leaves = [...tree.leaves()];
  // Each leaf's layout read once, for both passes.
  const layouts = leaves.map((l) => leafNodeLayout(expectDefined(tree.leafNodeBytes(l), "tree.leafNodeBytes(l)")));
  for (const layout of layouts) inUse.add(layout.credentialType);
  const req = options.requiredCapabilities;
  for (let i = 0; i < leaves.length; i++) {
    const l = expectDefined(leaves[i], "leaves[i]");
    const layout = expectDefined(layouts[i], "layouts[i]");
    const b = expectDefined(tree.leafNodeBytes(l), "tree.leafNodeBytes(l)");
    // Capabilities: versions, cipher_suites, extensions, proposals, credentials (§7.2), then leaf_node_source.
    const ciphers = skipOpaqueAt(b, layout.capabilities);
    const extensions = skipOpaqueAt(b, ciphers);
    const proposals = skipOpaqueAt(b, extensions);
    const credentials = skipOpaqueAt(b, proposals);
    const sourceAt = skipOpaqueAt(b, credentials);
    // §7.3: the capabilities list the credential types of all members (and so its own, §7.2).
    for (const t of inUse) {
      if (!u16VectorHas(b, credentials, t)) {
        fail("tree/leaf-capabilities", "7.3", `leaf ${l} does not support credential type ${t} used in the group`);
      }
    }
    // §7.2: "The client MUST list all values for the respective parameters that it supports" — a member supports the group's suite.
    if (options.checkCipherSuite !== false && !u16VectorHas(b, ciphers, suite)) {
      fail("tree/leaf-capabilities", "7.2", `leaf ${l} does not list the group's cipher suite 0x${suite.toString(16).padStart(4, "0")}`);
    }
    if (req !== undefined) {
      // §7.3: required extensions, proposals and credential types MUST be listed.
      for (const t of req.extensionTypes) {
        if (!DEFAULT_EXTENSIONS.has(t) && !u16VectorHas(b, extensions, t)) fail("tree/leaf-capabilities", "7.3", `leaf ${l} does not support required extension ${t}`);
      }
      for (const t of req.proposalTypes) {
        if (!DEFAULT_PROPOSALS.has(t) && !u16VectorHas(b, proposals, t)) fail("tree/leaf-capabilities", "7.3", `leaf ${l} does not support required proposal ${t}`);
      }
      for (const t of req.credentialTypes) {
        if (!u16VectorHas(b, credentials, t)) fail("tree/leaf-capabilities", "7.3", `leaf ${l} does not support required credential type ${t}`);
      }
    }
    // §7.2: non-default extensions of the leaf are listed in its capabilities.
    const extAt = extensionsOffset(sourceAt, layout);
    const extStart = extAt + varintLengthAt(b, extAt);
    const extEnd = extStart + varintValueAt(b, extAt);
    for (let q = extStart; q < extEnd;) {
      const t = (expectDefined(b[q], "b[q]") << 8) | expectDefined(b[q + 1], "b[q + 1]");
      q = skipOpaqueAt(b, q + 2);
      if (!DEFAULT_EXTENSIONS.has(t) && !u16VectorHas(b, extensions, t)) {
        fail("tree/leaf-extension-unsupported", "7.2", `leaf ${l} carries extension ${t} its capabilities do not list`);
      }
    }
    if (layout.source === LeafNodeSource.key_package && (options.now !== undefined || options.maxLifetime !== undefined)) {
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const lt = { notBefore: view.getBigUint64(sourceAt + 1), notAfter: view.getBigUint64(sourceAt + 9) };
      if (options.now !== undefined) {
        const skew = options.clockSkew ?? 0n;
        if (options.now + skew < lt.notBefore) fail("tree/leaf-lifetime", "7.3", `leaf ${l} is not valid before ${lt.notBefore} (now ${options.now})`);
        if (options.now - skew > lt.notAfter) fail("tree/leaf-lifetime", "7.3", `leaf ${l} expired at ${lt.notAfter} (now ${options.now})`);
      }
      if (options.maxLifetime !== undefined && lt.notAfter - lt.notBefore > options.maxLifetime) {
        fail("tree/leaf-lifetime", "7.2", `leaf ${l} has a lifetime longer than the application's maximum`);
      }
    }
  }
}

/** Offset of the `extensions` length prefix of an encoded LeafNode whose `leaf_node_source` is at `sourceAt`. */
function extensionsOffset(sourceAt: number, layout: ReturnType<typeof leafNodeLayout>): number {
  // key_package: Lifetime (two uint64); commit: parent_hash (its end is in the layout); update: nothing.
  if (layout.source === LeafNodeSource.key_package) return sourceAt + 17;
  if (layout.source === LeafNodeSource.commit) return layout.parentHash[1];
  return sourceAt + 1;
}
