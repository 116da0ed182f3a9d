/**
 * Signature verifications shared with a helper thread (helper-thread.ts):
 * `CipherSuiteProvider.verifyShared` on node:crypto. A joiner's small tree
 * (RFC 9420 §12.4.3.1: every leaf's signature, §7.3) has a dozen or so
 * verifications of ~65 µs each; the helper starts on them from the first
 * while the joiner goes on with its own work (tree hashes, the GroupInfo,
 * the key schedule), and the joiner then takes what is left from the last.
 *
 * The items travel packed in one transferred buffer (public data only:
 * keys, signed content, signatures); each item's state is an `Int32Array`
 * slot in shared memory, changed only by compare-and-exchange, so an item
 * is taken once by each side at most and no side ever waits for the other:
 * a caller that claims the one item the helper is in the middle of verifies
 * it too. Node's libuv pool was the earlier way (tree-validation's race):
 * its threads wake one by one and take the caller's core, so a dozen jobs
 * ran at about one core's rate.
 */
import type { SharedVerification, SignatureCheck } from "@mlskit/core";
import type { VerifyRequest } from "./helper-messages.js";
import { HelperThread } from "./helper-thread.js";

/** Never answers (the outcomes are in shared memory), so it needs no listener. */
const thread = new HelperThread({ nice: true }, { reply: () => {}, down: () => {} });

/** An item's state: not taken, taken by the helper, claimed by the caller, or done by the helper (valid or not). */
export const FREE = 0;
export const HELPER = 1;
export const CALLER = 2;
export const VALID = 3;
export const INVALID = 4;

/** The item `i` of a packed request, as views into its data. */
export function packedItem(m: Pick<VerifyRequest, "data" | "ends">, i: number): SignatureCheck {
  const at = (k: number): number => m.ends[k] ?? 0;
  const start = i === 0 ? 0 : at(3 * i - 1);
  return {
    publicKey: m.data.subarray(start, at(3 * i)),
    message: m.data.subarray(at(3 * i), at(3 * i + 1)),
    signature: m.data.subarray(at(3 * i + 1), at(3 * i + 2)),
  };
}

/** `items` (of TLS SignatureScheme `scheme`) handed to the helper; `undefined` when it is unavailable. */
export function shareVerifications(scheme: number, items: readonly SignatureCheck[]): SharedVerification | undefined {
  const w = thread.worker();
  if (w === undefined || items.length === 0) return undefined;
  let size = 0;
  for (const x of items) size += x.publicKey.length + x.message.length + x.signature.length;
  // Copies: a message would clone the whole buffer behind a view (a key inside a tree's arena takes the arena along).
  const data = new Uint8Array(size);
  const ends = new Uint32Array(3 * items.length);
  let at = 0;
  items.forEach((x, i) => {
    for (const [k, part] of [x.publicKey, x.message, x.signature].entries()) {
      data.set(part, at);
      at += part.length;
      ends[3 * i + k] = at;
    }
  });
  const states = new Int32Array(new SharedArrayBuffer(4 * items.length));
  thread.post(w, { kind: "verify", scheme, states, data, ends }, [data.buffer, ends.buffer]);
  const n = items.length;
  return {
    claim(i: number): boolean {
      if (!(i >= 0 && i < n)) throw new RangeError(`no item ${i} of ${n}`);
      const was = Atomics.compareExchange(states, i, FREE, CALLER);
      return was !== VALID && was !== INVALID;
    },
    result(i: number): boolean {
      return Atomics.load(states, i) === VALID;
    },
    cancel(): void {
      for (let i = 0; i < n; i++) Atomics.compareExchange(states, i, FREE, CALLER);
    },
  };
}
