/** Credentials as the DS reads them: the client id a credential presents (its identity as UTF-8). */
import { decode } from "@mlskit/codec";
import { type Credential, credentialCodec } from "@mlskit/core";
import { DsError } from "@mlskit/ds-protocol";
import type { DsContext } from "./context.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The client id an identity presents (undefined when it is not UTF-8). */
export function clientIdOfIdentity(identity: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(identity);
  } catch {
    return undefined;
  }
}

/** Decodes a TLS-encoded Credential (`client/bad-credential` otherwise). */
export function decodeCredential(bytes: Uint8Array): Credential {
  try {
    return decode(credentialCodec, bytes, "Credential");
  } catch (cause) {
    throw new DsError("client/bad-credential", "credential is not a TLS-encoded MLS Credential", { cause });
  }
}

/**
 * Validates a credential presented at registration with the DS's identity
 * provider (bound to `signaturePublicKey`, valid now) and checks it presents
 * `clientId` (`client/bad-credential` otherwise).
 */
export async function validateRegistration(ctx: DsContext, clientId: string, credential: Credential, signaturePublicKey: Uint8Array, cipherSuite: number): Promise<void> {
  let identity: Uint8Array;
  try {
    // RFC 9420 §5.3.1 names no "registration" event; the credential is checked as it will be in KeyPackages.
    const validated = await ctx.identityProvider.validateCredential({
      credential,
      signaturePublicKey,
      cipherSuite,
      context: { event: "key-package", time: new Date(ctx.clock()) },
    });
    identity = validated.identity;
  } catch (cause) {
    throw new DsError("client/bad-credential", "the identity provider rejects the credential", { cause });
  }
  if (clientIdOfIdentity(identity) !== clientId) throw new DsError("client/bad-credential", "the credential's identity is not the client id");
}
