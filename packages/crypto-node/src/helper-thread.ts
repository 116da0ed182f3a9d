/**
 * A worker thread beside the calling thread (script: helper-worker.ts) for
 * work node:crypto can only do synchronously. There are two, each started on
 * first use (tens of ms, paid once per process) and unreferenced (neither
 * keeps a process alive):
 * - the seal thread (seal-pool.ts): HPKE batches whose answer the caller
 *   awaits; it runs at the caller's priority.
 * - the verify thread (verify-share.ts): signature verifications the caller
 *   never waits for. On Linux it lowers its own priority (nice 19): woken by
 *   a request, a thread of equal priority took the caller's core for as long
 *   as it worked (measured: the caller stopped for 0.7-1 ms while it did a
 *   dozen verifications), where a niced one leaves the caller running and
 *   moves to the other core.
 * If a thread cannot start or dies, it is unavailable from then on and its
 * callers do their work on their own thread.
 */
import { Worker } from "node:worker_threads";
import type { HelperReply, HelperRequest } from "./helper-messages.js";

/** What the worker is told at start (its `workerData`). */
export interface HelperOptions {
  /** Lower the thread's own priority (Linux, where the nice value is per thread). */
  readonly nice: boolean;
}

/** Who listens to a helper: its replies, and its end (every pending answer is then lost). */
export interface HelperListener {
  reply(m: HelperReply): void;
  down(e: Error): void;
}

/** The compiled worker: beside this module in dist/, or dist/'s when this module runs from src/ (tests). */
function workerUrl(): URL {
  return import.meta.url.endsWith(".ts") ? new URL("../dist/helper-worker.js", import.meta.url) : new URL("./helper-worker.js", import.meta.url);
}

/** One helper thread, started on first use. */
export class HelperThread {
  #worker: Worker | undefined;
  #unavailable: Error | undefined;
  readonly #options: HelperOptions;
  readonly #listener: HelperListener;

  constructor(options: HelperOptions, listener: HelperListener) {
    this.#options = options;
    this.#listener = listener;
  }

  /** The thread, started if need be; `undefined` when it cannot run (then always, for this process). */
  worker(): Worker | undefined {
    if (this.#worker !== undefined || this.#unavailable !== undefined) return this.#worker;
    try {
      const w = new Worker(workerUrl(), { workerData: this.#options });
      w.on("message", (m: HelperReply) => this.#listener.reply(m));
      w.on("error", (e) => this.#goDown(e instanceof Error ? e : new Error(String(e))));
      w.on("exit", (code) => this.#goDown(new Error(`helper thread exited (code ${code})`)));
      // After the listeners: adding a "message" listener references the worker again.
      w.unref();
      this.#worker = w;
    } catch (e) {
      this.#unavailable = e instanceof Error ? e : new Error(String(e));
    }
    return this.#worker;
  }

  /** Why the thread is unavailable, once it is. */
  get unavailable(): Error | undefined {
    return this.#unavailable;
  }

  /** Posts a request to the running thread, transferring `transfer`. */
  post(w: Worker, request: HelperRequest, transfer: ArrayBuffer[] = []): void {
    w.postMessage(request, transfer);
  }

  #goDown(e: Error): void {
    this.#unavailable = e;
    this.#worker = undefined;
    this.#listener.down(e);
  }
}
