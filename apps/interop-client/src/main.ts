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
 * --credential-types 2 (credential types listed in capabilities besides basic, comma-separated).
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
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log("usage: mlskit-interop-client [--port 50051] [--host 127.0.0.1] [--provider webcrypto|noble] [--credential-types 2,...] [--quiet]");
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

// A failure inside one RPC is answered with a status; nothing should reach here, but never die of it.
process.on("unhandledRejection", (e) => console.error(`[interop-client] unhandled rejection: ${describeError(e).message}`));

const server = await startInteropServer({
  crypto: cryptoProvider(provider),
  advertisedCredentialTypes,
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
