/** The command line of the standalone Delivery Service (`main.ts`). */
import { parseArgs } from "node:util";

export interface CliOptions {
  /** 0: any free port. */
  readonly port: number;
  readonly db: { readonly kind: "sqlite"; readonly path: string } | { readonly kind: "postgres"; readonly connectionString: string };
  /** Where the trust anchors come from: a file (PEM certificates, or JSON `{ "anchors": [base64 DER] }`) or the AS. */
  readonly trust: { readonly kind: "file"; readonly path: string } | { readonly kind: "as"; readonly url: string };
  readonly log: boolean;
  readonly bodyLimit?: number;
}

export const USAGE =
  "usage: mlskit-ds --db sqlite:<path>|postgres://... (--trust-anchors <file> | --as-url <url>) [--port 0] [--body-limit BYTES] [--log]\n" +
  "  listens on 127.0.0.1 only and prints the listening URL";

/** Reads the arguments. @throws Error naming what is missing or wrong. */
export function parseCli(args: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: "string", default: "0" },
      db: { type: "string" },
      "trust-anchors": { type: "string" },
      "as-url": { type: "string" },
      "body-limit": { type: "string" },
      log: { type: "boolean", default: false },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port ?? "") || port > 65535) throw new Error(`--port must be a port number, got ${values.port}`);
  const dbArg = values.db;
  let db: CliOptions["db"];
  if (dbArg?.startsWith("sqlite:") && dbArg.length > "sqlite:".length) db = { kind: "sqlite", path: dbArg.slice("sqlite:".length) };
  else if (dbArg !== undefined && /^postgres(ql)?:\/\//.test(dbArg)) db = { kind: "postgres", connectionString: dbArg };
  else throw new Error("--db must be sqlite:<path> or a postgres:// URL");
  const file = values["trust-anchors"];
  const asUrl = values["as-url"];
  if ((file === undefined) === (asUrl === undefined)) throw new Error("give exactly one of --trust-anchors <file> and --as-url <url>");
  const trust: CliOptions["trust"] = file !== undefined ? { kind: "file", path: file } : { kind: "as", url: asUrl! };
  let bodyLimit: number | undefined;
  if (values["body-limit"] !== undefined) {
    bodyLimit = Number(values["body-limit"]);
    if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 1024) throw new Error("--body-limit must be an integer of at least 1024");
  }
  return { port, db, trust, log: values.log === true, ...(bodyLimit !== undefined ? { bodyLimit } : {}) };
}
