/**
 * `CipherSuiteProvider.verifyShared` over a signature primitive's
 * `verifyShared`: the items whose key the suite refuses without arithmetic
 * (as `verify` refuses them: wrong length, small-order EdDSA keys, ...) are
 * false at once and never reach the helper thread.
 */
import type { SharedVerification, SignatureCheck } from "@mlskit/core";
import type { SignaturePrimitive } from "./primitives.js";
import { signaturePublicKeyShapeProblem } from "./public-keys.js";

/** The helper's share of `items` (those with a well-shaped key), or `undefined` when it takes none. */
export function shapeCheckedSharing(sig: SignaturePrimitive, items: readonly SignatureCheck[]): SharedVerification | undefined {
  const share = sig.verifyShared;
  if (share === undefined) return undefined;
  // Per item: its index among those the helper gets, or -1 for a key refused here.
  const at: number[] = [];
  const pass: SignatureCheck[] = [];
  for (const x of items) at.push(signaturePublicKeyShapeProblem(sig.scheme, x.publicKey) === undefined ? pass.push(x) - 1 : -1);
  if (pass.length === 0) return undefined;
  const inner = share.call(sig, pass);
  if (inner === undefined) return undefined;
  const index = (i: number): number => {
    const j = at[i];
    if (j === undefined) throw new RangeError(`no item ${i} of ${items.length}`);
    return j;
  };
  return {
    claim: (i) => {
      const j = index(i);
      return j >= 0 && inner.claim(j);
    },
    result: (i) => {
      const j = index(i);
      return j >= 0 && inner.result(j);
    },
    cancel: () => inner.cancel(),
  };
}
