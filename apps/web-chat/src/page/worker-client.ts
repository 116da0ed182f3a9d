/**
 * The page's side of the worker protocol: typed calls that resolve with the
 * worker's answer (or reject with a {@link WorkerCallError} carrying the
 * sentence to show), and the events the worker pushes.
 */
import type { ErrorView, WorkerCalls, WorkerEvent, WorkerMethod, WorkerOutbound, WorkerRequest } from "../worker-api.js";

/** A call the worker answered with an error. */
export class WorkerCallError extends Error {
  override readonly name = "WorkerCallError";
  readonly view: ErrorView;

  constructor(view: ErrorView) {
    super(view.text);
    this.view = view;
  }
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** The chat worker, started by the constructor. */
export class ChatWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 1;

  constructor(onEvent: (event: WorkerEvent) => void, onCrash: (message: string) => void) {
    this.#worker = new Worker(new URL("../worker/main.ts", import.meta.url), { type: "module", name: "mlskit-chat" });
    this.#worker.addEventListener("message", (e: MessageEvent<WorkerOutbound>) => {
      const data = e.data;
      if (data.type === "event") return onEvent(data.event);
      const pending = this.#pending.get(data.id);
      if (pending === undefined) return;
      this.#pending.delete(data.id);
      if (data.ok) pending.resolve(data.result);
      else pending.reject(new WorkerCallError(data.error));
    });
    this.#worker.addEventListener("error", (e) => {
      e.preventDefault();
      const message = e.message || "the chat's background worker failed to start";
      for (const p of this.#pending.values()) p.reject(new WorkerCallError({ text: "The chat stopped working: reload the page." }));
      this.#pending.clear();
      onCrash(message);
    });
  }

  /** Calls the worker. */
  call<K extends WorkerMethod>(method: K, args: WorkerCalls[K]["args"]): Promise<WorkerCalls[K]["result"]> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.#worker.postMessage({ id, method, args } as WorkerRequest);
    });
  }
}
