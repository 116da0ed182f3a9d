#!/usr/bin/env node
/**
 * `npm run interop-client -- --port 50051`: serves the MLS WG interop
 * `MLSClient` gRPC service (mlswg/mls-implementations, interop/) on
 * loopback, for the working group's test-runner:
 *
 *   test-runner -client 127.0.0.1:50051 -config configs/welcome_join.json
 *
 * Options: --port N (default 50051), --host ADDR (default 127.0.0.1),
 * --provider webcrypto|noble (default webcrypto), --quiet (no error log),
 * --credential-types 2 (credential types listed in capabilities besides basic, comma-separated),
 * --max-handles N (states, transactions, reinits and signers held per kind, default 1024: the
 * least recently used goes first), --max-idle-seconds S (default 3600: unused longer, released).
 * The runner would free a script's states with a `Free` RPC, which our proto lacks: these bound
 * a long session's memory instead; a released handle is refused with FAILED_PRECONDITION naming it.
 */
import { parseArgs } from "node:util";
import { describeError } from "./errors.js";
import { PROVIDER_NAMES, type ProviderName, cryptoProvider } from "./providers.js";
import { startInteropServer } from "./server.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "50051" },
    host: { type: "string", default: "127.0.0.1" },
    provider: { type: "string", default: "webcrypto" },
    quiet: { type: "boolean", default: false },
    "credential-types": { type: "string", default: "" },
    "max-handles": { type: "string", default: "1024" },
    "max-idle-seconds": { type: "string", default: "3600" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log(
    "usage: mlskit-interop-client [--port 50051] [--host 127.0.0.1] [--provider webcrypto|noble] [--credential-types 2,...] [--max-handles 1024] [--max-idle-seconds 3600] [--quiet]",
  );
  process.exit(0);
}
const provider = values.provider as ProviderName;
if (!PROVIDER_NAMES.includes(provider)) {
  console.error(`unknown provider "${values.provider}" (one of ${PROVIDER_NAMES.join(", ")})`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port "${values.port}"`);
  process.exit(2);
}

const advertisedCredentialTypes = values["credential-types"] === "" ? [] : values["credential-types"].split(",").map(Number);
if (advertisedCredentialTypes.some((t) => !Number.isInteger(t) || t < 1 || t > 0xffff)) {
  console.error(`invalid --credential-types "${values["credential-types"]}" (uint16 values, comma-separated)`);
  process.exit(2);
}

const maxHandles = Number(values["max-handles"]);
const maxIdleSeconds = Number(values["max-idle-seconds"]);
if (!Number.isInteger(maxHandles) || maxHandles < 1 || !(maxIdleSeconds > 0)) {
  console.error(`invalid --max-handles "${values["max-handles"]}" or --max-idle-seconds "${values["max-idle-seconds"]}" (positive numbers)`);
  process.exit(2);
}

// A failure inside one RPC is answered with a status; nothing should reach here, but never die of it.
process.on("unhandledRejection", (e) => console.error(`[interop-client] unhandled rejection: ${describeError(e).message}`));

const server = await startInteropServer({
  crypto: cryptoProvider(provider),
  advertisedCredentialTypes,
  limits: { maxHandles, maxIdleMs: maxIdleSeconds * 1000 },
  host: values.host,
  port,
  ...(values.quiet ? {} : { onError: (rpc: string, e: unknown) => console.error(`[interop-client] ${rpc} failed: ${describeError(e).message}`) }),
});
console.log(`mlskit interop client (MLSClient gRPC, provider ${provider}) listening on ${server.host}:${server.port}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
