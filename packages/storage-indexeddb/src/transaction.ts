/**
 * One IndexedDB transaction as a promise. A transaction commits by itself
 * once no request is pending, so nothing but IndexedDB requests may be
 * awaited inside one: the body issues requests and reacts to their results in
 * callbacks ({@link Tx.request}); the promise settles when the transaction
 * completes (resolved) or aborts (rejected, nothing of it applied).
 */
import type { StorageError } from "@mlskit/core";
import { storageErrorOf } from "./errors.js";
import type { StoreName } from "./schema.js";

/** What a transaction body works with. */
export interface Tx {
  /** The transaction's object store of this name. */
  store(name: StoreName): IDBObjectStore;
  /**
   * Issues a request and runs `then` with its result. An exception `then`
   * throws aborts the whole transaction, and the transaction's promise
   * rejects with it (as a {@link StorageError}).
   */
  request<R>(req: IDBRequest<R>, then?: (result: R) => void): void;
  /** Aborts the transaction; its promise rejects with `error`. */
  fail(error: StorageError): void;
}

/**
 * Runs `body` in one transaction over `stores`. `body` returns a function
 * that gives the transaction's result; it is called once the transaction has
 * committed (never for an aborted one).
 */
export function transact<T>(db: IDBDatabase, stores: readonly StoreName[], mode: IDBTransactionMode, doing: string, body: (tx: Tx) => () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let tx: IDBTransaction;
    try {
      // "strict" durability: committed means flushed to disk (a rolled-back MLS state may reuse keys; see README).
      tx = db.transaction([...stores], mode, { durability: "strict" });
    } catch (e) {
      reject(storageErrorOf(e, doing));
      return;
    }
    let failure: StorageError | undefined;
    const fail = (error: StorageError): void => {
      if (failure !== undefined) return;
      failure = error;
      try {
        tx.abort();
      } catch {
        // Already finished or aborting: the abort event reports it.
      }
    };
    const ctx: Tx = {
      store: (name) => tx.objectStore(name),
      request: (req, then) => {
        req.onsuccess = () => {
          if (failure !== undefined || then === undefined) return;
          try {
            then(req.result);
          } catch (e) {
            fail(storageErrorOf(e, doing));
          }
        };
      },
      fail,
    };
    let result: () => T = () => undefined as T;
    tx.oncomplete = () => {
      try {
        resolve(result());
      } catch (e) {
        reject(storageErrorOf(e, doing));
      }
    };
    tx.onabort = () => reject(failure ?? storageErrorOf(tx.error ?? new Error("transaction aborted"), doing));
    try {
      result = body(ctx);
    } catch (e) {
      fail(storageErrorOf(e, doing));
    }
  });
}

/** A request's result, for a call outside any transaction body (opening, deleting a database). */
export function settle<R>(req: IDBRequest<R>, doing: string): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(storageErrorOf(req.error, doing));
  });
}
