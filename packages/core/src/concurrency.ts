/** Bounded concurrency for independent async work (crypto calls issued together, so WebCrypto's thread pool stays busy). */

/**
 * Runs `fn(i)` for i < count with at most `limit` calls in flight, issuing
 * the next as soon as one settles (no barrier between batches). Rejects with
 * the first error, after which no further call is issued.
 */
export function forEachConcurrent(count: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  if (count === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let next = 0;
    let active = 0;
    let failed = false;
    const pump = (): void => {
      while (!failed && active < limit && next < count) {
        const i = next++;
        active++;
        let p: Promise<void>;
        try {
          p = fn(i);
        } catch (e) {
          failed = true;
          reject(e);
          return;
        }
        p.then(
          () => {
            active--;
            if (next >= count && active === 0) resolve();
            else pump();
          },
          (e: unknown) => {
            failed = true;
            reject(e);
          },
        );
      }
    };
    pump();
  });
}

/** `Promise.all(items.map(fn))` with at most `limit` calls in flight; results in order. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  await forEachConcurrent(items.length, limit, async (i) => {
    // i < items.length, so the element is there; T may itself include undefined, so no check.
    out[i] = await fn(items[i] as T, i);
  });
  return out;
}
