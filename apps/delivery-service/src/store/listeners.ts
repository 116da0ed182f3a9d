/**
 * The onEnqueued listeners of one store handle. A listener that throws is
 * the server's bug, not the store's: it must neither fail the append that
 * already committed nor keep the other listeners from hearing.
 */
export type EnqueuedListener = (clientIds: readonly string[] | typeof ANYONE) => void;

/**
 * Told instead of client ids when notifications may have been missed (the
 * cross-node channel was lost and is back): every listener re-reads.
 */
export const ANYONE = "anyone";

export class EnqueuedListeners {
  readonly #listeners = new Set<EnqueuedListener>();

  add(listener: EnqueuedListener): () => void {
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const entry: EnqueuedListener = (ids) => listener(ids);
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  emit(clientIds: readonly string[] | typeof ANYONE): void {
    if (clientIds.length === 0) return;
    for (const listener of [...this.#listeners]) {
      try {
        listener(clientIds);
      } catch (e) {
        // Logged, not rethrown: rethrowing here would crash the server on an already-committed write.
        console.error("ds store: an onEnqueued listener threw", e);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
