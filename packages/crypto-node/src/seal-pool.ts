/**
 * One worker thread that seals HPKE batches (seal-worker.ts) beside the
 * calling thread: `crypto.diffieHellman` and HMAC are synchronous-only in
 * Node 20, so the N - 1 encryptions of a full-path Commit over blank parents
 * would otherwise all run on one core. Started on the first batch (its
 * start-up, tens of ms, is paid once per process), kept while batches are in
 * flight and unreferenced otherwise (it never keeps a process alive). If it
 * cannot start or dies, batches are refused from then on and the caller
 * seals on its own thread.
 *
 * The plaintexts (path secrets) are copied into the worker by the message
 * and wiped there once sealed; the caller keeps and wipes its own copies.
 */
import { Worker } from "node:worker_threads";
import type { CipherSuiteDescription, HpkeCiphertext, HpkeSealInput } from "@mlskit/core";
import type { SealReply, SealRequest } from "./seal-worker.js";
import { expectDefined } from "@mlskit/core";

interface Pending {
  resolve(out: HpkeCiphertext[]): void;
  reject(e: unknown): void;
}

let worker: Worker | undefined;
let unavailable: Error | undefined;
let nextId = 0;
let answered = 0;
const pending = new Map<number, Pending>();

/** Batches the worker has sealed in this process (for tests and reports). */
export function sealWorkerBatches(): number {
  return answered;
}

/** The compiled worker: beside this module in dist/, or dist/'s when this module runs from src/ (tests). */
function workerUrl(): URL {
  return import.meta.url.endsWith(".ts") ? new URL("../dist/seal-worker.js", import.meta.url) : new URL("./seal-worker.js", import.meta.url);
}

function settleAll(e: Error): void {
  unavailable = e;
  worker = undefined;
  for (const p of pending.values()) p.reject(e);
  pending.clear();
}

function theWorker(): Worker {
  if (worker !== undefined) return worker;
  const w = new Worker(workerUrl());
  w.unref();
  w.on("message", (m: SealReply) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (pending.size === 0) w.unref();
    if (m.ok) {
      answered++;
      p?.resolve(m.out);
    } else p?.reject(new Error(`seal worker: ${m.error}`));
  });
  w.on("error", (e) => settleAll(e instanceof Error ? e : new Error(String(e))));
  w.on("exit", (code) => settleAll(new Error(`seal worker exited (code ${code})`)));
  worker = w;
  return w;
}

/** SealBase of every item in `suite` on the worker; rejects when the worker cannot (then always, for this process). */
export function sealInWorker(suite: CipherSuiteDescription, items: readonly HpkeSealInput[]): Promise<HpkeCiphertext[]> {
  if (unavailable !== undefined) return Promise.reject(unavailable);
  let w: Worker;
  try {
    w = theWorker();
  } catch (e) {
    unavailable = e instanceof Error ? e : new Error(String(e));
    return Promise.reject(unavailable);
  }
  const id = nextId++;
  return new Promise<HpkeCiphertext[]>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    // Referenced while a batch is out: an otherwise idle process awaits the answer instead of exiting.
    w.ref();
    // Compact copies: a message clones the whole ArrayBuffer behind a view (a key inside a tree's arena would take the
    // arena along). The plaintext copies are wiped once posted: the message holds its own clone, which the worker wipes.
    const plaintexts = items.map((x) => x.plaintext.slice());
    const request: SealRequest = {
      id,
      suite: { ...suite },
      items: items.map((x, i) => ({ publicKey: x.publicKey.slice(), info: x.info.slice(), aad: x.aad.slice(), plaintext: expectDefined(plaintexts[i], "plaintexts[i]") })),
    };
    w.postMessage(request);
    for (const p of plaintexts) p.fill(0);
  });
}
