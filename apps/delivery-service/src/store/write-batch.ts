/**
 * Group commit for the SQLite store. Each write on the hot path (an append,
 * a nonce, an ack) costs a WAL fsync when committed alone (synchronous=FULL),
 * and better-sqlite3 blocks the event loop for it: about 6 fsyncs per
 * message fanned out to 4 members. Writes submitted in one turn of the event
 * loop are instead run together in one IMMEDIATE transaction — one fsync —
 * each in its own savepoint: a write that throws is rolled back alone and
 * rejects alone. A write's promise settles only after the shared commit, so
 * an accepted message is durable before it is answered; listeners hear of
 * new queue entries after that commit too.
 */
import type Sqlite from "better-sqlite3";

interface Pending {
  readonly run: () => unknown;
  readonly notify: ((result: unknown) => readonly string[]) | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export class WriteBatch {
  readonly #db: Sqlite.Database;
  readonly #emit: (clientIds: readonly string[]) => void;
  #pending: Pending[] = [];
  #scheduled: Promise<void> | undefined;

  constructor(db: Sqlite.Database, emit: (clientIds: readonly string[]) => void) {
    this.#db = db;
    this.#emit = emit;
  }

  /** Runs `run` in the next group commit; `notify` names the clients whose queues it wrote to. */
  submit<T>(run: () => T, notify?: (result: T) => readonly string[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run, notify: notify as Pending["notify"], resolve: resolve as (v: unknown) => void, reject });
      this.#scheduled ??= new Promise<void>((done) =>
        setImmediate(() => {
          this.#scheduled = undefined;
          this.#flush();
          done();
        }),
      );
    });
  }

  /** Waits for what was submitted so far. */
  async drain(): Promise<void> {
    while (this.#scheduled !== undefined) await this.#scheduled;
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.#db
        .transaction(() =>
          batch.map((p): Outcome => {
            try {
              // A nested transaction is a savepoint: a write that throws leaves the others in place.
              return { ok: true, value: this.#db.transaction(p.run)() };
            } catch (error) {
              return { ok: false, error };
            }
          }),
        )
        .immediate();
    } catch (error) {
      // The shared commit failed (e.g. another process held the lock too long): nothing of the batch is stored.
      for (const p of batch) p.reject(error);
      return;
    }
    const notify = new Set<string>();
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (!o.ok) return p.reject(o.error);
      for (const id of p.notify?.(o.value) ?? []) notify.add(id);
      p.resolve(o.value);
    });
    if (notify.size > 0) this.#emit([...notify].sort());
  }
}
