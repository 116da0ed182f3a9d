/**
 * Test helpers: a real Authentication Service listening on 127.0.0.1 port 0,
 * and raw registration requests for the negative tests.
 */
import { utf8 } from "@mlskit/codec";
import { type CipherSuiteProvider, type KeyPair, signWithLabel } from "@mlskit/core";
import { type AsRegisterRequest, REGISTRATION_PROOF_LABEL, toBase64 } from "@mlskit/ds-protocol";
import { defaultCryptoProvider } from "@mlskit/mls";
import type { FastifyInstance } from "fastify";
import { createAuthenticationService } from "./service.js";
import { memoryAsStore } from "./sqlite-store.js";
import type { AsStore } from "./store.js";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

/** A service and where it listens. */
export interface RunningService {
  readonly app: FastifyInstance;
  readonly store: AsStore;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a service on its own store (in memory unless given), listening on 127.0.0.1. */
export async function startService(options: { store?: AsStore; caName?: string } = {}): Promise<RunningService> {
  const store = options.store ?? memoryAsStore();
  const app = await createAuthenticationService({
    store,
    registration: { adminToken: ADMIN_TOKEN },
    ...(options.caName === undefined ? {} : { caName: options.caName }),
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    app,
    store,
    url,
    close: async () => {
      await app.close();
      store.close();
    },
  };
}

/** Suite 0x0001's provider (Ed25519). */
export function ed25519Suite(): Promise<CipherSuiteProvider> {
  return defaultCryptoProvider().cipherSuite(1);
}

/** A well-formed registration body for `clientId` with `keys` (Ed25519), before any tampering. */
export async function registrationBody(cs: CipherSuiteProvider, keys: KeyPair, clientId: string): Promise<AsRegisterRequest> {
  const proof = await signWithLabel(cs, keys.privateKey, REGISTRATION_PROOF_LABEL, utf8(clientId));
  return { clientId, signatureScheme: 0x0807, signaturePublicKey: toBase64(keys.publicKey), proof: toBase64(proof) };
}
