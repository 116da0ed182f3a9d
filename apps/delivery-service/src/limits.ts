/**
 * The Delivery Service's limits: what one request may carry and how long
 * undelivered queue entries are kept. Every limit has a default; a deployment
 * overrides the ones it needs.
 */
import type { RetentionPolicy } from "./store/ds-store.js";

export interface DsLimits {
  /** Largest request body in bytes (`request/too-large` above it). Default 1 MiB. */
  readonly bodyLimit: number;
  /** KeyPackages in one publish request (`request/malformed` above it). Default 100. */
  readonly maxKeyPackagesPerPublish: number;
  /** Largest page of a queue read (GET /v1/queue `limit`, WebSocket batches). Default 500. */
  readonly maxQueueBatch: number;
  /** Largest page of handshake history (GET messages?fromEpoch). Default 500. */
  readonly maxHistory: number;
  /** Welcome recipients or removed clients declared with one Commit. Default 1000. */
  readonly maxRecipients: number;
  /** Undelivered queue entries are dropped by age and count. Default 30 days, 10,000 per client. */
  readonly retention: RetentionPolicy;
  /** How often retention runs, in ms; 0 disables the timer. Default 10 minutes. */
  readonly retentionIntervalMs: number;
}

export const DEFAULT_LIMITS: DsLimits = Object.freeze({
  bodyLimit: 1024 * 1024,
  maxKeyPackagesPerPublish: 100,
  maxQueueBatch: 500,
  maxHistory: 500,
  maxRecipients: 1000,
  retention: Object.freeze({ maxAgeMs: 30 * 24 * 3600_000, maxPerClient: 10_000 }),
  retentionIntervalMs: 10 * 60_000,
});

/** The defaults with `overrides` applied. */
export function resolveLimits(overrides: Partial<DsLimits> = {}): DsLimits {
  return Object.freeze({ ...DEFAULT_LIMITS, ...overrides, retention: { ...DEFAULT_LIMITS.retention, ...overrides.retention } });
}
