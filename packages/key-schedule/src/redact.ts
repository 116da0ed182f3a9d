/**
 * Redaction for secret-bearing objects (docs/ARCHITECTURE.md "Errors": secret-bearing
 * objects redact themselves in `toJSON` and `util.inspect`). The inspect hook
 * is looked up by its registered symbol, so no Node import is needed and
 * browsers are unaffected.
 */

/** Node's `util.inspect.custom`, by its registered name. */
export const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/** The JSON form of a redacted object. */
export interface RedactedJson {
  readonly redacted: string;
}

/**
 * Base class of every object holding secrets: its JSON and inspect forms name
 * the type and nothing else. Subclasses keep their secrets in `#private`
 * fields so that spreading or `Object.entries` cannot copy them out either.
 */
export abstract class Redacted {
  readonly #redactedName: string;

  /** `redactedName` is shown in place of the contents. */
  constructor(redactedName: string) {
    this.#redactedName = redactedName;
  }

  /** Name shown in place of the contents. */
  protected get redactedName(): string {
    return this.#redactedName;
  }

  toJSON(): RedactedJson {
    return { redacted: this.redactedName };
  }

  [inspectCustom](): string {
    return `${this.redactedName} [redacted]`;
  }

  toString(): string {
    return `${this.redactedName} [redacted]`;
  }
}
