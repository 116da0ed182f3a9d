/**
 * HPKE batches sealed on a helper thread (helper-thread.ts) beside the
 * calling thread: `crypto.diffieHellman` and HMAC are synchronous-only in
 * Node 20, so the N - 1 encryptions of a full-path Commit over blank parents
 * would otherwise all run on one core. The helper is referenced while
 * batches are in flight (an otherwise idle process awaits the answer
 * instead of exiting). If it cannot start or dies, batches are refused from
 * then on and the caller seals on its own thread.
 *
 * The plaintexts (path secrets) are copied into the worker by the message
 * and wiped there once sealed; the caller keeps and wipes its own copies.
 */
import type { CipherSuiteDescription, HpkeCiphertext, HpkeSealInput } from "@mlskit/core";
import { expectDefined } from "@mlskit/core";
import { HelperThread } from "./helper-thread.js";

interface Pending {
  resolve(out: HpkeCiphertext[]): void;
  reject(e: unknown): void;
}

let nextId = 0;
let answered = 0;
const pending = new Map<number, Pending>();

/** Batches the worker has sealed in this process (for tests and reports). */
export function sealWorkerBatches(): number {
  return answered;
}

const thread: HelperThread = new HelperThread(
  { nice: false },
  {
    reply(m) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (pending.size === 0) thread.worker()?.unref();
      if (m.ok) {
        answered++;
        p?.resolve(m.out);
      } else p?.reject(new Error(`seal worker: ${m.error}`));
    },
    down(e) {
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    },
  },
);

/** SealBase of every item in `suite` on the worker; rejects when the worker cannot (then always, for this process). */
export function sealInWorker(suite: CipherSuiteDescription, items: readonly HpkeSealInput[]): Promise<HpkeCiphertext[]> {
  const w = thread.worker();
  if (w === undefined) return Promise.reject(thread.unavailable ?? new Error("no seal thread"));
  const id = nextId++;
  return new Promise<HpkeCiphertext[]>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    // Referenced while a batch is out: an otherwise idle process awaits the answer instead of exiting.
    w.ref();
    // Compact copies: a message clones the whole ArrayBuffer behind a view (a key inside a tree's arena would take the
    // arena along). The plaintext copies are wiped once posted: the message holds its own clone, which the worker wipes.
    const plaintexts = items.map((x) => x.plaintext.slice());
    thread.post(w, {
      kind: "seal",
      id,
      suite: { ...suite },
      items: items.map((x, i) => ({ publicKey: x.publicKey.slice(), info: x.info.slice(), aad: x.aad.slice(), plaintext: expectDefined(plaintexts[i], "plaintexts[i]") })),
    });
    for (const p of plaintexts) p.fill(0);
  });
}
