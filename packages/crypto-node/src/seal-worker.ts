/**
 * The worker of {@link sealInWorker} (seal-pool.ts): SealBase (RFC 9180
 * §6.1) of the items of each message with this package's own primitives,
 * the plaintexts wiped once sealed. One provider per suite, made on the
 * first message for it.
 */
import { parentPort } from "node:worker_threads";
import type { CipherSuiteDescription, CipherSuiteProvider, HpkeCiphertext, HpkeSealInput } from "@mlskit/core";
import { createCryptoProvider } from "@mlskit/hpke";
import { nodePrimitives } from "./provider.js";

/** A request: seal `items` in `suite`. */
export interface SealRequest {
  readonly id: number;
  readonly suite: CipherSuiteDescription;
  readonly items: readonly HpkeSealInput[];
}

/** The answer to request `id`: the ciphertexts in order, or why not. */
export type SealReply = { readonly id: number; readonly ok: true; readonly out: HpkeCiphertext[] } | { readonly id: number; readonly ok: false; readonly error: string };

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

// The handler catches what sealing throws and answers with it; nothing awaits its promise.
// eslint-disable-next-line @typescript-eslint/no-misused-promises
port?.on("message", async (m: SealRequest) => {
  let reply: SealReply;
  try {
    const cs = await suiteProvider(m.suite);
    const out = await Promise.all(m.items.map((x) => cs.hpkeSeal(x.publicKey, x.info, x.aad, x.plaintext)));
    reply = { id: m.id, ok: true, out };
  } catch (e) {
    reply = { id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    for (const x of m.items) x.plaintext.fill(0);
  }
  port.postMessage(reply);
});
