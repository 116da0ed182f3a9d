/**
 * Batching for the PostgreSQL store's hot path: calls made in one turn of
 * the event loop go to the database as one statement (one round trip, one
 * commit) instead of one each. Each call's promise settles with its own
 * answer once the shared statement has returned; a failed statement rejects
 * every call of its batch.
 */

export interface TurnBatchOptions<I, R> {
  /** Runs one batch; answers one result per item, in order. */
  readonly run: (items: readonly I[]) => Promise<readonly R[]>;
  /**
   * At most one batch in flight: calls arriving meanwhile wait for it and go
   * together in the next (for statements whose concurrent runs could lock
   * the same rows in different orders). Default false: one batch per turn.
   */
  readonly serial?: boolean;
}

interface Pending<I, R> {
  readonly item: I;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

export class TurnBatch<I, R> {
  readonly #run: (items: readonly I[]) => Promise<readonly R[]>;
  readonly #serial: boolean;
  #pending: Pending<I, R>[] = [];
  #scheduled = false;
  #inFlight = 0;

  constructor(options: TurnBatchOptions<I, R>) {
    this.#run = options.run;
    this.#serial = options.serial ?? false;
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#pending.length === 0 || (this.#serial && this.#inFlight > 0)) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#serial && this.#inFlight > 0) return;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    this.#inFlight++;
    try {
      const results = await this.#run(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i] as R));
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.#inFlight--;
      this.#schedule();
    }
  }
}

/** A bounded map that forgets the least recently used entry first. */
export class LruCache<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();

  constructor(max: number) {
    this.#max = max;
  }

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting makes it the most recent.
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as K);
  }

  clear(): void {
    this.#map.clear();
  }
}
