/**
 * The helper thread's script (helper-thread.ts), with this package's own
 * primitives:
 * - `seal` (seal-pool.ts): SealBase (RFC 9180 §6.1) of each item, the
 *   plaintexts wiped once sealed; one provider per suite, made on the first
 *   request for it. Answered with a `sealed` reply.
 * - `verify` (verify-share.ts): signature verifications shared with the
 *   calling thread through a `SharedArrayBuffer` of item states; no reply.
 */
import { platform, setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import type { CipherSuiteDescription, CipherSuiteProvider } from "@mlskit/core";
import { createCryptoProvider } from "@mlskit/hpke";
import { KeyCache } from "./keys.js";
import { nodePrimitives } from "./provider.js";
import { nodeSignatures } from "./signature.js";
import type { HelperReply, HelperRequest, SealRequest, VerifyRequest } from "./helper-messages.js";
import type { HelperOptions } from "./helper-thread.js";
import { FREE, HELPER, INVALID, VALID, packedItem } from "./verify-share.js";

// Linux keeps a nice value per thread (elsewhere it would lower the whole process): see helper-thread.ts.
if ((workerData as HelperOptions | undefined)?.nice === true && platform() === "linux") {
  try {
    setPriority(19);
  } catch {
    // Not allowed here: the thread keeps the caller's priority.
  }
}

const suites = new Map<number, Promise<CipherSuiteProvider>>();
const port = parentPort;

function suiteProvider(suite: CipherSuiteDescription): Promise<CipherSuiteProvider> {
  let cs = suites.get(suite.id);
  if (cs === undefined) {
    cs = createCryptoProvider("node", nodePrimitives(), { cipherSuites: new Map([[suite.id, suite]]) }).cipherSuite(suite.id);
    suites.set(suite.id, cs);
  }
  return cs;
}

async function seal(m: SealRequest): Promise<HelperReply> {
  try {
    const cs = await suiteProvider(m.suite);
    const out = await Promise.all(m.items.map((x) => cs.hpkeSeal(x.publicKey, x.info, x.aad, x.plaintext)));
    return { kind: "sealed", id: m.id, ok: true, out };
  } catch (e) {
    return { kind: "sealed", id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    for (const x of m.items) x.plaintext.fill(0);
  }
}

/** Public keys of shared verifications (a joiner's tree: each seen once, so few are kept). */
const signatures = nodeSignatures(new KeyCache(64));

/** The items the caller has not claimed, in order; stops at the first it has (it claims from the last down). */
async function verifyShare(m: VerifyRequest): Promise<void> {
  const sig = signatures.get(m.scheme);
  // A scheme it does not have: every item is left to the caller (never a false "invalid").
  if (sig === undefined) return;
  for (let i = 0; i < m.states.length; i++) {
    if (Atomics.compareExchange(m.states, i, FREE, HELPER) !== FREE) return;
    const x = packedItem(m, i);
    const ok = await sig.verify(x.publicKey, x.message, x.signature).catch(() => false);
    Atomics.store(m.states, i, ok ? VALID : INVALID);
  }
}

// The seal handler catches what sealing throws and answers with it; a verification's failure is its item's `false`.
// eslint-disable-next-line @typescript-eslint/no-misused-promises
port?.on("message", async (m: HelperRequest) => {
  if (m.kind === "verify") await verifyShare(m);
  else port.postMessage(await seal(m));
});
