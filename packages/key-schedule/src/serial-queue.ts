/**
 * Runs async operations one at a time. A ratchet or tree mutated by
 * interleaved awaits could derive from a secret another call just wiped, so
 * each stateful object funnels its operations through one queue.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every previously queued operation has settled. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
