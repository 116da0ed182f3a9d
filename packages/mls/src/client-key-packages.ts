/**
 * KeyPackage creation for the {@link Client} (§10): fresh KeyPackages with
 * the client's credential and capabilities, and storing their private keys
 * until a Welcome uses them.
 */
import { type CipherSuiteProvider, ProtocolVersion, type StoredKeyPackage, WireFormat } from "@mlskit/core";
import type { Capabilities } from "@mlskit/ratchet-tree";
import { type KeyPackage, LAST_RESORT_EXTENSION_TYPE, createKeyPackage, decodeKeyPackageMaterial, encodeKeyPackageMaterial, encodeMlsMessage } from "@mlskit/group";
import type { Client } from "./client.js";
import type { ClientInternals } from "./client-internals.js";
import type { KeyPackageOptions, PublishedKeyPackage } from "./client-options.js";

/** Creates a KeyPackage of `cs` signed with the client's key of that suite (private keys returned, not stored). @internal */
export async function newKeyPackage(client: ClientInternals, cs: CipherSuiteProvider, options: KeyPackageOptions): ReturnType<typeof createKeyPackage> {
  const signature = await client.signatureFor(cs);
  return createKeyPackage({
    cs,
    credential: client.credential,
    signaturePrivateKey: signature.privateKey,
    signaturePublicKey: signature.publicKey,
    capabilities: options.lastResort === true ? withLastResort(client.capabilitiesFor(cs.suite.id)) : client.capabilitiesFor(cs.suite.id),
    ...(options.lastResort === true ? { lastResort: true } : {}),
    ...(options.lifetimeSeconds !== undefined ? { lifetimeSeconds: options.lifetimeSeconds } : {}),
  });
}

/** The capabilities with the `last_resort` extension listed, as a last-resort KeyPackage's leaf must (§7.2, draft-ietf-mls-extensions). */
function withLastResort(c: Capabilities): Capabilities {
  return c.extensions.includes(LAST_RESORT_EXTENSION_TYPE) ? c : { ...c, extensions: [...c.extensions, LAST_RESORT_EXTENSION_TYPE] };
}

/** Creates a KeyPackage and keeps its private keys in the KeyPackage store (then wipes them here). @internal */
export async function storeKeyPackage(
  client: ClientInternals,
  cs: CipherSuiteProvider,
  options: KeyPackageOptions,
): Promise<{ published: PublishedKeyPackage; keyPackage: KeyPackage }> {
  const created = await newKeyPackage(client, cs, options);
  const material = encodeKeyPackageMaterial({
    keyPackage: created.encoded,
    initPrivateKey: created.privateKeys.initPrivateKey,
    encryptionPrivateKey: created.privateKeys.encryptionPrivateKey,
    lastResort: options.lastResort === true,
  });
  await client.storage.putKeyPackage(created.reference, material, options.lastResort === true);
  material.fill(0);
  created.privateKeys.wipe();
  return {
    published: {
      keyPackage: encodeMlsMessage({ version: ProtocolVersion.mls10, wireFormat: WireFormat.mls_key_package, keyPackage: created.keyPackage }),
      reference: created.reference,
    },
    keyPackage: created.keyPackage,
  };
}

/**
 * The crypto provider forgets the private keys of a KeyPackage the
 * application deleted ({@link Client.deleteKeyPackage}): its init key, and
 * its encryption key unless it is a last-resort KeyPackage (whose
 * encryption key may be the leaf key of groups joined with it). @internal
 */
export async function forgetDeletedKeyPackage(client: ClientInternals, stored: StoredKeyPackage): Promise<void> {
  let material;
  try {
    material = decodeKeyPackageMaterial(stored.data);
  } catch {
    return; // unreadable material names no key to forget
  }
  const lastResort = stored.lastResort || material.lastResort === true;
  await client.forgetPrivateKeys(lastResort ? [material.initPrivateKey] : [material.initPrivateKey, material.encryptionPrivateKey], "key-package-deleted");
  material.initPrivateKey.fill(0);
  material.encryptionPrivateKey.fill(0);
}
