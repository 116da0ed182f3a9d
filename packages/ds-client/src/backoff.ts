/**
 * Exponential backoff with jitter, for retrying network failures and
 * reconnecting the stream.
 */

/** How retries are spaced. */
export interface BackoffOptions {
  /** Attempts in all, the first included (default 4). */
  readonly attempts?: number;
  /** The first delay in milliseconds (default 100). */
  readonly baseDelayMs?: number;
  /** The longest delay in milliseconds (default 5,000). */
  readonly maxDelayMs?: number;
}

/** The options with their defaults filled in. */
export interface Backoff {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Fills in the defaults. */
export function backoff(options: BackoffOptions = {}): Backoff {
  return {
    attempts: Math.max(1, options.attempts ?? 4),
    baseDelayMs: Math.max(0, options.baseDelayMs ?? 100),
    maxDelayMs: Math.max(0, options.maxDelayMs ?? 5_000),
  };
}

/** The delay before retry number `retry` (0 for the first retry): random in [cap/2, cap], cap = min(max, base · 2^retry). */
export function delayFor(b: Backoff, retry: number): number {
  const cap = Math.min(b.maxDelayMs, b.baseDelayMs * 2 ** Math.min(retry, 30));
  return Math.floor(cap / 2 + Math.random() * (cap / 2 + 1));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
