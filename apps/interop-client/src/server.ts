/**
 * The gRPC server: every RPC of `MLSClient` bound to {@link MlsInteropClient}.
 * A failing RPC answers with a gRPC status carrying the typed error (see
 * errors.ts); the server keeps serving the other states.
 */
import * as grpc from "@grpc/grpc-js";
import type { CryptoProvider } from "@mlskit/core";
import { toServiceError } from "./errors.js";
import { type InteropClientOptions, MlsInteropClient } from "./interop-client.js";
import { loadMlsClientService } from "./proto.js";

/** Options of {@link startInteropServer}. */
export interface InteropServerOptions {
  readonly crypto: CryptoProvider;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 50051; 0 picks a free port. */
  readonly port?: number;
  readonly name?: string;
  readonly identityProvider?: InteropClientOptions["identityProvider"];
  readonly advertisedCredentialTypes?: InteropClientOptions["advertisedCredentialTypes"];
  /** Bounds on the handles held (see {@link InteropClientOptions.limits}). */
  readonly limits?: InteropClientOptions["limits"];
  /** Called with the RPC name and the error of every failing RPC (e.g. to log it). */
  readonly onError?: (rpc: string, error: unknown) => void;
}

/** A running server. */
export interface InteropServer {
  /** The port it listens on. */
  readonly port: number;
  readonly host: string;
  readonly client: MlsInteropClient;
  /** Stops accepting calls and closes the port. */
  close(): Promise<void>;
}

type Handler = (req: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Binds every RPC of the service to the implementation; throws if one is missing (none may answer UNIMPLEMENTED). */
export function serviceImplementation(client: MlsInteropClient, onError?: (rpc: string, error: unknown) => void): grpc.UntypedServiceImplementation {
  const service = loadMlsClientService();
  const impl: grpc.UntypedServiceImplementation = {};
  // Keys are the RPC names as declared in the .proto (proto-loader's `originalName` is the camelCase alias).
  for (const name of Object.keys(service)) {
    const key = name;
    const fn = (client as unknown as Record<string, Handler | undefined>)[name];
    if (typeof fn !== "function") throw new Error(`MLSClient.${name} has no implementation`);
    impl[key] = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      let result: Promise<Record<string, unknown>>;
      try {
        result = fn.call(client, call.request);
      } catch (e) {
        result = Promise.reject(e);
      }
      result.then(
        (response) => callback(null, response),
        (e: unknown) => {
          onError?.(name, e);
          callback(toServiceError(e));
        },
      );
    };
  }
  return impl;
}

/** Starts an `MLSClient` server on host:port (loopback by default). */
export async function startInteropServer(options: InteropServerOptions): Promise<InteropServer> {
  const host = options.host ?? "127.0.0.1";
  const client = new MlsInteropClient({
    crypto: options.crypto,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.identityProvider !== undefined ? { identityProvider: options.identityProvider } : {}),
    ...(options.advertisedCredentialTypes !== undefined ? { advertisedCredentialTypes: options.advertisedCredentialTypes } : {}),
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
    ...(options.onError !== undefined ? { onReleaseError: (e: unknown) => options.onError?.("(release)", e) } : {}),
  });
  const server = new grpc.Server({ "grpc.max_receive_message_length": 64 * 1024 * 1024, "grpc.max_send_message_length": 64 * 1024 * 1024 });
  server.addService(loadMlsClientService(), serviceImplementation(client, options.onError));
  const address = host.includes(":") ? `[${host}]:${options.port ?? 50051}` : `${host}:${options.port ?? 50051}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port,
    host,
    client,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
