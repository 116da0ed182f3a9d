/**
 * Group creation for the {@link Client} (§11): a one-member group in epoch
 * 0, with a fresh leaf or the leaf of one of the client's stored KeyPackages.
 */
import { bytesEqual } from "@mlskit/codec";
import { type CipherSuiteProvider, type Extension, UsageError } from "@mlskit/core";
import { createGroup, decodeKeyPackage, decodeKeyPackageMaterial, keyPackageRef, withSelfRemoveRequired } from "@mlskit/group";
import type { Client } from "./client.js";
import type { ClientInternals } from "./client-internals.js";
import { newKeyPackage } from "./client-key-packages.js";
import type { CreateGroupOptions, PublishedKeyPackage } from "./client-options.js";
import type { Group } from "./group.js";
import { decodeKeyPackageInput } from "./key-package-input.js";

/** {@link Client.createGroup}. @internal */
export async function createClientGroup(client: ClientInternals, options: CreateGroupOptions): Promise<Group> {
  if (options.keyPackage !== undefined) return createGroupFromKeyPackage(client, options.keyPackage, options);
  const cs = options.cipherSuite === undefined ? client.cs : await client.crypto.cipherSuite(options.cipherSuite);
  return createGroupWith(client, cs, options);
}

/** The GroupContext extensions of a new group: the given ones, with SelfRemove required when the group opts in. */
function groupExtensions(options: CreateGroupOptions): { extensions?: readonly Extension[] } {
  if (options.selfRemove === true) return { extensions: withSelfRemoveRequired(options.extensions ?? []) };
  return options.extensions !== undefined ? { extensions: options.extensions } : {};
}

async function createGroupWith(client: ClientInternals, cs: CipherSuiteProvider, options: CreateGroupOptions): Promise<Group> {
  const created = await newKeyPackage(client, cs, {});
  const signature = await client.signatureFor(cs);
  const state = await createGroup({
    cs,
    leafNode: created.keyPackage.leafNode,
    encryptionPrivateKey: created.privateKeys.encryptionPrivateKey,
    signaturePrivateKey: signature.privateKey,
    services: client.services,
    policy: client.policy(options.policy),
    ...(options.groupId !== undefined ? { groupId: options.groupId } : {}),
    ...groupExtensions(options),
  });
  // The KeyPackage's init key opens no Welcome here: spent at once (its leaf key is the group's).
  await client.forgetPrivateKeys([created.privateKeys.initPrivateKey], "unused");
  created.privateKeys.initPrivateKey.fill(0);
  return client.adopt(state);
}

/** {@link Client.createGroup} with the leaf of a stored KeyPackage of ours, which is consumed. */
async function createGroupFromKeyPackage(client: ClientInternals, input: Uint8Array | PublishedKeyPackage, options: CreateGroupOptions): Promise<Group> {
  const keyPackage = decodeKeyPackageInput(input instanceof Uint8Array ? input : input.keyPackage);
  if (options.cipherSuite !== undefined && options.cipherSuite !== keyPackage.cipherSuite) {
    throw new UsageError("usage/cipher-suite-mismatch", `the KeyPackage is of suite ${keyPackage.cipherSuite}, not ${options.cipherSuite}`);
  }
  const cs = await client.crypto.cipherSuite(keyPackage.cipherSuite);
  const reference = await keyPackageRef(cs, keyPackage);
  const stored = await client.storage.getKeyPackage(reference);
  if (stored === undefined) throw new UsageError("usage/unknown-key-package", "this client stores no such KeyPackage (not its own, or already consumed or deleted)");
  const material = decodeKeyPackageMaterial(stored.data);
  const ours = decodeKeyPackage(material.keyPackage);
  const signature = await client.signatureFor(cs);
  if (!bytesEqual(signature.publicKey, ours.leafNode.signatureKey)) {
    throw new UsageError("usage/signature-key-mismatch", "the KeyPackage was signed with a key this client no longer holds");
  }
  const state = await createGroup({
    cs,
    leafNode: ours.leafNode,
    encryptionPrivateKey: material.encryptionPrivateKey,
    signaturePrivateKey: signature.privateKey,
    services: client.services,
    policy: client.policy(options.policy),
    ...(options.groupId !== undefined ? { groupId: options.groupId } : {}),
    ...groupExtensions(options),
  });
  // Consumed as a join consumes it (§16.8): deleted with the group's first write (a last-resort one stays).
  const group = await client.adopt(state, { consumedKeyPackages: [reference] });
  const lastResort = stored.lastResort || material.lastResort === true;
  if (!lastResort) await client.forgetPrivateKeys([material.initPrivateKey], "key-package-consumed");
  material.initPrivateKey.fill(0);
  return group;
}
