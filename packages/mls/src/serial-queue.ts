/**
 * A per-group operation queue (docs/ARCHITECTURE.md "Sync vs async": the facade
 * serialises a group's operations so interleaved awaits cannot fork state).
 * Each operation reads the group's state when it starts, and no other
 * operation of the group starts before it has settled.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** Runs `fn` once every operation queued before it has settled (fulfilled or rejected). */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(fn, fn).finally(() => {
      this.#pending--;
    });
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Operations queued or running. */
  get pending(): number {
    return this.#pending;
  }
}
