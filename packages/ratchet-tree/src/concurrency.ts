/**
 * Scheduling helpers (internal): bounded concurrency for independent async
 * crypto calls, and yielding to the event loop during long synchronous work
 * so that concurrently issued work (signature verifications on WebCrypto's
 * thread pool) keeps being collected and refilled (docs/ARCHITECTURE.md, performance notes).
 */

type Immediate = (cb: () => void) => unknown;
const setImmediateFn = (globalThis as { setImmediate?: Immediate }).setImmediate;

let channel: { port1: { onmessage: (() => void) | null }; port2: { postMessage(v: unknown): void } } | undefined;
const channelQueue: (() => void)[] = [];

/** Resolves on a later turn of the event loop (a macrotask: I/O and thread-pool completions run first). */
export function yieldToEventLoop(): Promise<void> {
  if (setImmediateFn !== undefined) return new Promise((resolve) => setImmediateFn(resolve));
  const MC = (globalThis as { MessageChannel?: new () => NonNullable<typeof channel> }).MessageChannel;
  if (MC !== undefined) {
    if (channel === undefined) {
      channel = new MC();
      channel.port1.onmessage = () => channelQueue.shift()?.();
    }
    const c = channel;
    return new Promise((resolve) => {
      channelQueue.push(resolve);
      c.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Time slice of synchronous work between two yields, in ms. */
const SLICE_MS = 8;

/**
 * Tells a synchronous loop when to yield: `due()` is cheap (reads the clock
 * every 64 calls) and true once a slice has elapsed.
 */
export class Yielder {
  #calls = 0;
  #since = performance.now();

  due(): boolean {
    if ((++this.#calls & 63) !== 0) return false;
    return performance.now() - this.#since >= SLICE_MS;
  }

  async yield(): Promise<void> {
    await yieldToEventLoop();
    this.#since = performance.now();
  }
}

export { forEachConcurrent, mapConcurrent } from "@mlskit/core";
