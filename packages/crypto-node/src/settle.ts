/** Small helpers shared by the synchronous primitives. */

/** @throws RangeError unless `bytes` has `length` bytes. */
export function checkLength(what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) throw new RangeError(`${what} must be ${length} bytes, got ${bytes.length}`);
}

/** A synchronous computation as the promise the primitive interfaces return (a throw becomes a rejection). */
export function settle<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e);
  }
}
