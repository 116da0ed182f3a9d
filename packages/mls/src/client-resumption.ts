/**
 * Resumption for the {@link Client}: the successor group of a merged ReInit
 * (§11.2) and branches (§11.3), each linked to its predecessor by a
 * resumption PSK.
 */
import { bytesEqual } from "@mlskit/codec";
import { type CipherSuiteProvider, type Extension, UsageError } from "@mlskit/core";
import { type SuccessorGroupOptions, createBranch, createReinitGroup, validateKeyPackage } from "@mlskit/group";
import type { Client } from "./client.js";
import type { ClientInternals } from "./client-internals.js";
import { newKeyPackage } from "./client-key-packages.js";
import type { SuccessorGroup, SuccessorOptions } from "./client-options.js";
import type { Group } from "./group.js";
import { decodeKeyPackageInput } from "./key-package-input.js";

/** {@link Client.reinitGroup}. @internal */
export async function reinitGroup(client: ClientInternals, old: Group, keyPackages: readonly Uint8Array[], options: SuccessorOptions): Promise<SuccessorGroup> {
  const reinit = old.reinit;
  if (reinit === undefined) throw new UsageError("usage/no-reinit", "the group has no merged ReInit (RFC 9420 §11.2)");
  const cs = await client.crypto.cipherSuite(reinit.cipherSuite);
  const base = await successorBase(client, cs, keyPackages, options);
  const created = await createReinitGroup(old.state, cs, base);
  if (bytesEqual(old.state.groupContext.groupId, created.state.groupContext.groupId)) await client.retire(old.state);
  const group = await client.adopt(created.state);
  if (!bytesEqual(old.state.groupContext.groupId, created.state.groupContext.groupId)) await client.retire(old.state);
  return { group, ...(created.welcome !== undefined ? { welcome: created.welcome } : {}) };
}

/** {@link Client.branchGroup}. @internal */
export async function branchGroup(
  client: ClientInternals,
  parent: Group,
  keyPackages: readonly Uint8Array[],
  options: SuccessorOptions & { readonly groupId?: Uint8Array; readonly extensions?: readonly Extension[] },
): Promise<SuccessorGroup> {
  const cs = parent.state.cs;
  const base = await successorBase(client, cs, keyPackages, options);
  const created = await createBranch(parent.state, {
    ...base,
    ...(options.groupId !== undefined ? { groupId: options.groupId } : {}),
    ...(options.extensions !== undefined ? { extensions: options.extensions } : {}),
  });
  return { group: await client.adopt(created.state), ...(created.welcome !== undefined ? { welcome: created.welcome } : {}) };
}

/** The parts shared by a ReInit successor and a branch: our fresh leaf, and the validated KeyPackages of the others. */
async function successorBase(client: ClientInternals, cs: CipherSuiteProvider, keyPackages: readonly Uint8Array[], options: SuccessorOptions): Promise<SuccessorGroupOptions> {
  const own = await newKeyPackage(client, cs, {});
  // The KeyPackage's init key opens no Welcome here: spent at once (its leaf key is the group's).
  await client.forgetPrivateKeys([own.privateKeys.initPrivateKey], "unused");
  own.privateKeys.initPrivateKey.fill(0);
  const signature = await client.signatureFor(cs);
  const validated = await Promise.all(
    keyPackages.map(async (bytes) => (await validateKeyPackage(cs, decodeKeyPackageInput(bytes), { identityProvider: client.identityProvider })).keyPackage),
  );
  return {
    leafNode: own.keyPackage.leafNode,
    encryptionPrivateKey: own.privateKeys.encryptionPrivateKey,
    signaturePrivateKey: signature.privateKey,
    keyPackages: validated,
    services: client.services,
    policy: client.policy(options.policy),
    ...(options.ratchetTreeInWelcome !== undefined ? { ratchetTreeInWelcome: options.ratchetTreeInWelcome } : {}),
  };
}
