/**
 * Loads the `MLSClient` service definition (../proto/mls_client.proto, the
 * project's copy of the MLS WG's interop contract) at run time with
 * @grpc/proto-loader. The path is resolved from this module, so it works
 * from `src/` (tests) and from `dist/` (the built server) alike.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** Absolute path of the bundled `mls_client.proto`. */
export const PROTO_PATH: string = fileURLToPath(new URL("../proto/mls_client.proto", import.meta.url));

/**
 * proto-loader options: field names as in the .proto (snake_case), absent
 * fields filled with their proto3 defaults (empty bytes, 0, false, []), and
 * 64-bit integers as decimal strings (converted to bigint where used).
 */
const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** The `mls_client.MLSClient` service definition. */
export function loadMlsClientService(): grpc.ServiceDefinition {
  if (!existsSync(PROTO_PATH)) throw new Error(`mls_client.proto not found at ${PROTO_PATH}`);
  const definition = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { mls_client: { MLSClient: grpc.ServiceClientConstructor } };
  return pkg.mls_client.MLSClient.service;
}

/** A client stub constructor for `MLSClient` (used by the tests' runner). */
export function loadMlsClientStub(): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { mls_client: { MLSClient: grpc.ServiceClientConstructor } };
  return pkg.mls_client.MLSClient;
}

/** The RPC names of the service, as declared in the .proto. */
export function rpcNames(): string[] {
  return Object.keys(loadMlsClientService());
}
