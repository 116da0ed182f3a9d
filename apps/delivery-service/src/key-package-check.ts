/**
 * A KeyPackage offered for the directory (RFC 9750 §5.1): an
 * MLSMessage(KeyPackage) that passes the group package's validation
 * (RFC 9420 §10.1: signatures, lifetime, keys, credential via the identity
 * provider), of the publisher's suite, whose credential presents the
 * publisher. Returns it with its KeyPackageRef.
 */
import { WireFormat } from "@mlskit/core";
import { DsError } from "@mlskit/ds-protocol";
import { type MLSMessageIn, decodeMlsMessage, keyPackageRef, validateKeyPackage } from "@mlskit/group";
import type { CipherSuiteProvider } from "@mlskit/core";
import type { DsContext } from "./context.js";
import { clientIdOfIdentity } from "./identity.js";
import type { DirectoryKeyPackage, RegisteredClient } from "./store/ds-store.js";

export async function checkKeyPackage(ctx: DsContext, cs: CipherSuiteProvider, publisher: RegisteredClient, bytes: Uint8Array, field: string): Promise<DirectoryKeyPackage> {
  let m: MLSMessageIn;
  try {
    m = decodeMlsMessage(bytes);
  } catch (cause) {
    throw new DsError("key-package/malformed", `${field} is not a well-formed MLSMessage`, { cause });
  }
  if (m.wireFormat !== WireFormat.mls_key_package) throw new DsError("key-package/malformed", `${field} is not an MLSMessage(KeyPackage)`);
  const kp = m.keyPackage;
  if (kp.cipherSuite !== publisher.cipherSuite) {
    throw new DsError("key-package/invalid", `${field} is of suite ${kp.cipherSuite}, the client registered ${publisher.cipherSuite}`);
  }
  let identity: Uint8Array;
  try {
    const r = await validateKeyPackage(cs, kp, {
      identityProvider: ctx.identityProvider,
      lifetime: { now: new Date(ctx.clock()) },
    });
    identity = r.identity.identity;
  } catch (cause) {
    throw new DsError("key-package/invalid", `${field} is not a valid KeyPackage`, { cause });
  }
  if (clientIdOfIdentity(identity) !== publisher.clientId) {
    throw new DsError("key-package/invalid", `${field} presents another client's identity`);
  }
  return { ref: await keyPackageRef(cs, kp), bytes };
}
