/** The command line of the standalone service (`main.ts`). */
import { parseArgs } from "node:util";

/** What `main.ts` runs with. */
export interface CliOptions {
  readonly port: number;
  readonly dataDir: string;
  readonly adminToken: string;
  readonly caName?: string;
  readonly certificateLifetimeDays?: number;
}

/** The usage line. */
export const USAGE =
  "usage: mlskit-as --data-dir DIR --admin-token TOKEN [--port 8444] [--ca-name NAME] [--lifetime-days 90]\n" + "  (the token may also come from MLSKIT_AS_ADMIN_TOKEN)";

/**
 * Reads the arguments (and `MLSKIT_AS_ADMIN_TOKEN`).
 * @throws Error naming what is missing or wrong.
 */
export function parseCli(args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): CliOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: "string", default: "8444" },
      "data-dir": { type: "string" },
      "admin-token": { type: "string" },
      "ca-name": { type: "string" },
      "lifetime-days": { type: "string" },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${values.port}`);
  const dataDir = values["data-dir"];
  if (dataDir === undefined || dataDir === "") throw new Error("--data-dir is required");
  const adminToken = values["admin-token"] ?? env.MLSKIT_AS_ADMIN_TOKEN;
  if (adminToken === undefined || adminToken === "") throw new Error("--admin-token (or MLSKIT_AS_ADMIN_TOKEN) is required");
  let certificateLifetimeDays: number | undefined;
  if (values["lifetime-days"] !== undefined) {
    certificateLifetimeDays = Number(values["lifetime-days"]);
    if (!(certificateLifetimeDays > 0)) throw new Error(`--lifetime-days must be positive, got ${values["lifetime-days"]}`);
  }
  return {
    port,
    dataDir,
    adminToken,
    ...(values["ca-name"] === undefined ? {} : { caName: values["ca-name"] }),
    ...(certificateLifetimeDays === undefined ? {} : { certificateLifetimeDays }),
  };
}
