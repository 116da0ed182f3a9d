/**
 * The synchronous per-leaf checks of tree validation (§7.2, §7.3), read
 * straight from each leaf's encoding: capabilities (credential types in use,
 * the group's cipher suite, required capabilities), the leaf's own
 * extensions, and `key_package` lifetimes.
 */
import { expectDefined } from "@mlskit/core";
import { LeafNodeSource, leafNodeLayout, readVarintAt } from "./leaf-node.js";
import type { TreeView } from "./tree-view.js";
import type { TreeValidationOptions } from "./tree-validation-options.js";
import { fail } from "./error-codes.js";

const DEFAULT_EXTENSIONS = new Set([1, 2, 3, 4, 5]);
const DEFAULT_PROPOSALS = new Set([1, 2, 3, 4, 5, 6, 7]);

/** Whether the uint16 vector whose length prefix is at `at` contains `v`; returns the offset after it too. */
function u16VectorHas(b: Uint8Array, at: number, v: number): [boolean, number] {
  const [len, p] = readVarintAt(b, at);
  let found = false;
  for (let i = p; i < p + len; i += 2) if (((expectDefined(b[i], "b[i]") << 8) | expectDefined(b[i + 1], "b[i + 1]")) === v) found = true;
  return [found, p + len];
}

/** Offsets of the five capability vectors of an encoded LeafNode. */
function capabilityOffsets(b: Uint8Array, at: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 5; i++) {
    out.push(at);
    const [len, p] = readVarintAt(b, at);
    at = p + len;
  }
  return out;
}

/** Synchronous leaf checks of §7.2/§7.3: capabilities, extensions, lifetime. */
export function checkLeaves(tree: TreeView, options: TreeValidationOptions): void {
  const suite = tree.cs.suite.id;
  const inUse = new Set<number>();
  const leaves = [...tree.leaves()];
  for (const l of leaves) inUse.add(expectDefined(tree.leafLayout(l), "tree.leafLayout(l)").credentialType);
  const req = options.requiredCapabilities;
  for (const l of leaves) {
    const b = expectDefined(tree.leafNodeBytes(l), "tree.leafNodeBytes(l)");
    const layout = leafNodeLayout(b);
    const [, ciphers, extensions, proposals, credentials] = capabilityOffsets(b, layout.capabilities) as [number, number, number, number, number];
    // §7.3: the capabilities list the credential types of all members (and so its own, §7.2).
    for (const t of inUse) {
      if (!u16VectorHas(b, credentials, t)[0]) {
        fail("tree/leaf-capabilities", "7.3", `leaf ${l} does not support credential type ${t} used in the group`);
      }
    }
    // §7.2: "The client MUST list all values for the respective parameters that it supports" — a member supports the group's suite.
    if (options.checkCipherSuite !== false && !u16VectorHas(b, ciphers, suite)[0]) {
      fail("tree/leaf-capabilities", "7.2", `leaf ${l} does not list the group's cipher suite 0x${suite.toString(16).padStart(4, "0")}`);
    }
    if (req !== undefined) {
      // §7.3: required extensions, proposals and credential types MUST be listed.
      for (const t of req.extensionTypes) {
        if (!DEFAULT_EXTENSIONS.has(t) && !u16VectorHas(b, extensions, t)[0]) fail("tree/leaf-capabilities", "7.3", `leaf ${l} does not support required extension ${t}`);
      }
      for (const t of req.proposalTypes) {
        if (!DEFAULT_PROPOSALS.has(t) && !u16VectorHas(b, proposals, t)[0]) fail("tree/leaf-capabilities", "7.3", `leaf ${l} does not support required proposal ${t}`);
      }
      for (const t of req.credentialTypes) {
        if (!u16VectorHas(b, credentials, t)[0]) fail("tree/leaf-capabilities", "7.3", `leaf ${l} does not support required credential type ${t}`);
      }
    }
    // §7.2: non-default extensions of the leaf are listed in its capabilities.
    const [extLen, extStart] = readVarintAt(b, extensionsOffset(b, layout));
    for (let q = extStart; q < extStart + extLen;) {
      const t = (expectDefined(b[q], "b[q]") << 8) | expectDefined(b[q + 1], "b[q + 1]");
      const [dl, dp] = readVarintAt(b, q + 2);
      q = dp + dl;
      if (!DEFAULT_EXTENSIONS.has(t) && !u16VectorHas(b, extensions, t)[0]) {
        fail("tree/leaf-extension-unsupported", "7.2", `leaf ${l} carries extension ${t} its capabilities do not list`);
      }
    }
    if (layout.source === LeafNodeSource.key_package && (options.now !== undefined || options.maxLifetime !== undefined)) {
      const lt = lifetimeOf(b, layout);
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

/** Offset of the `extensions` length prefix of an encoded LeafNode. */
function extensionsOffset(b: Uint8Array, layout: ReturnType<typeof leafNodeLayout>): number {
  let p = layout.capabilities;
  for (let i = 0; i < 5; i++) {
    const [len, q] = readVarintAt(b, p);
    p = q + len;
  }
  p += 1; // leaf_node_source
  if (layout.source === LeafNodeSource.key_package) p += 16;
  else if (layout.source === LeafNodeSource.commit) p = layout.parentHash[1];
  return p;
}

function lifetimeOf(b: Uint8Array, layout: ReturnType<typeof leafNodeLayout>): { notBefore: bigint; notAfter: bigint } {
  let p = layout.capabilities;
  for (let i = 0; i < 5; i++) {
    const [len, q] = readVarintAt(b, p);
    p = q + len;
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { notBefore: view.getBigUint64(p + 1), notAfter: view.getBigUint64(p + 9) };
}
