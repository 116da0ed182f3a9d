/**
 * What every part of the worker shares: the Delivery Service, the clients,
 * the journal, and where violations of the invariants are reported.
 */
import { appendFileSync } from "node:fs";
import type { Client } from "@mlskit/mls";
import type { DeliveryService } from "./delivery-service.js";
import type { Journal } from "./journal.js";

/** The invariants of the issue, one category each; a campaign must end with zero of every one. */
export type ViolationCategory =
  /** A group's state is not at the old or the new epoch of the log (or does not load). */
  | "epoch"
  /** Members at one epoch disagree on its epoch authenticator. */
  | "authenticator"
  /** An acknowledged message is not in the inbox as sent, or a delivered one cannot be read. */
  | "inbox"
  /** A replayed message was accepted (or a message was consumed that the app never handed over). */
  | "replay"
  /** A (key, nonce) pair sealed twice with different content, or one key under two released ciphertexts. */
  | "keys"
  /** An unexpected failure of an operation. */
  | "runtime";

/** One violation, as written to the results file. */
export interface Violation {
  readonly type: "violation";
  readonly run: number;
  readonly category: ViolationCategory;
  readonly detail: string;
}

/** The worker's shared context. */
export interface World {
  readonly run: number;
  readonly ds: DeliveryService;
  readonly clients: ReadonlyMap<string, Client>;
  readonly journal: Journal;
  /** Reports a violation (written at once: the process may be killed any moment). */
  violation(category: ViolationCategory, detail: string): void;
  /** Violations reported by this process so far. */
  readonly violations: Violation[];
}

/** A {@link World} whose violations are appended to `resultsPath`. */
export function makeWorld(run: number, ds: DeliveryService, clients: ReadonlyMap<string, Client>, journal: Journal, resultsPath: string): World {
  const violations: Violation[] = [];
  return {
    run,
    ds,
    clients,
    journal,
    violations,
    violation(category, detail) {
      const v: Violation = { type: "violation", run, category, detail };
      violations.push(v);
      appendFileSync(resultsPath, JSON.stringify(v) + "\n");
    },
  };
}

/** The client called `name` (every name of the cast has one). */
export function clientOf(world: World, name: string): Client {
  const c = world.clients.get(name);
  if (c === undefined) throw new Error(`no client ${name}`);
  return c;
}
