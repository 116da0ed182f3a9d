/**
 * Restoring a {@link Client} from its record in storage, and the resumption
 * PSKs of its groups.
 */
import { bytesEqual, encode } from "@mlskit/codec";
import { type CipherSuiteProvider, type Credential, type CryptoProvider, type KeyPair, type SignatureSchemeId, UsageError, credentialCodec } from "@mlskit/core";
import type { Client } from "./client.js";
import { decodeClientRecord } from "./client-record.js";
import type { ClientOptions } from "./client-options.js";
import { defaultCryptoProvider, resolveSigner } from "./defaults.js";
import type { Group } from "./group.js";

/** What a {@link Client} is built from when its record is in storage. @internal */
export interface RestoredClient {
  readonly crypto: CryptoProvider;
  readonly cs: CipherSuiteProvider;
  readonly credential: Credential;
  readonly signature: KeyPair;
  readonly signatureKeyPairs: Partial<Record<SignatureSchemeId, KeyPair>>;
  /** Whether the record must be written again (a new default suite or signature key pair). */
  readonly rewrite: boolean;
}

/**
 * Reads a stored client record: its credential and signature keys come back
 * from there.
 * @throws UsageError `usage/storage-of-another-client` when `options` names
 *   another identity or credential than the stored one. @internal
 */
export async function restoreClient(options: ClientOptions, stored: Uint8Array): Promise<RestoredClient> {
  const record = decodeClientRecord(stored);
  if (options.identity !== undefined || options.credential !== undefined) {
    const { credential } = await resolveSigner({ ...options, crypto: options.crypto ?? defaultCryptoProvider(), cipherSuite: record.cipherSuite });
    if (!bytesEqual(encode(credentialCodec, credential), encode(credentialCodec, record.credential))) {
      throw new UsageError("usage/storage-of-another-client", "the storage holds another client: its stored credential differs from the one given");
    }
  }
  const crypto = options.crypto ?? defaultCryptoProvider();
  const cs = await crypto.cipherSuite(options.cipherSuite ?? record.cipherSuite);
  const keyPairs: Partial<Record<SignatureSchemeId, KeyPair>> = { ...options.signatureKeyPairs };
  for (const [scheme, kp] of record.signatureKeyPairs) keyPairs[scheme] = kp;
  const signature = keyPairs[cs.suite.signature] ?? (await cs.signatureGenerateKeyPair());
  const rewrite = !record.signatureKeyPairs.has(cs.suite.signature) || record.cipherSuite !== cs.suite.id;
  return { crypto, cs, credential: record.credential, signature, signatureKeyPairs: keyPairs, rewrite };
}

/** A resumption PSK of a client's group (§8.6), for ReInit and branch joins. @internal */
export function groupResumptionPsk(g: Group | undefined, groupId: Uint8Array, epoch: bigint): Uint8Array | undefined {
  if (g === undefined) return undefined;
  const s = g.state;
  if (!bytesEqual(s.groupContext.groupId, groupId)) return undefined;
  if (s.groupContext.epoch === epoch) return s.keys.resumptionPsk;
  return s.resumptionPsks.get(epoch);
}
