/**
 * `@mlskit/interop-client`: the MLS WG interop `MLSClient` gRPC service on
 * the `@mlskit/mls` facade (run it with `npm run interop-client`).
 * @packageDocumentation
 */
export { MlsInteropClient, type InteropClientOptions } from "./interop-client.js";
export { type HandleLimits, type ReleaseReason, DEFAULT_HANDLE_LIMITS } from "./handle-table.js";
export type { RegistryCounts } from "./registry.js";
export { startInteropServer, serviceImplementation, type InteropServer, type InteropServerOptions } from "./server.js";
export { InteropError, describeError, statusOf, toServiceError } from "./errors.js";
export { PROTO_PATH, loadMlsClientService, loadMlsClientStub, rpcNames } from "./proto.js";
export { cryptoProvider, PROVIDER_NAMES, type ProviderName } from "./providers.js";
