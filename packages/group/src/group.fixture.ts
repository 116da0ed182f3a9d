/** Test helpers for the group state machine tests (excluded from the build). */
import { BasicIdentityProvider, type CipherSuiteProvider, type Extension, acceptAll } from "@mlskit/core";
import { mergeStagedCommit } from "./commit/commit-process.js";
import { processMessage } from "./receive/message-process.js";
import type { Capabilities } from "@mlskit/ratchet-tree";
import { createKeyPackage, type CreatedKeyPackage } from "./key-packages/key-package-create.js";
import { createGroup } from "./creation/group-create.js";
import { type GroupPolicyInput, groupPolicy } from "./policy/group-policy.js";
import type { GroupServices, GroupState } from "./state/group-state.js";
import type { ValidatedKeyPackage } from "./key-packages/key-package-validation.js";
import { joinFromWelcome } from "./welcome/welcome-join.js";

export const services: GroupServices = { identityProvider: new BasicIdentityProvider({ policy: acceptAll }) };

/** A client: a KeyPackage with its private keys. */
export interface TestClient {
  readonly name: string;
  readonly kp: CreatedKeyPackage;
  readonly signaturePrivateKey: Uint8Array;
}

export async function client(cs: CipherSuiteProvider, name: string, options: { capabilities?: Capabilities } = {}): Promise<TestClient> {
  const sig = await cs.signatureGenerateKeyPair();
  const kp = await createKeyPackage({
    cs,
    credential: { credentialType: 1, identity: new TextEncoder().encode(name) },
    signaturePrivateKey: sig.privateKey,
    signaturePublicKey: sig.publicKey,
    grease: false,
    ...(options.capabilities !== undefined ? { capabilities: options.capabilities } : {}),
  });
  return { name, kp, signaturePrivateKey: sig.privateKey };
}

export async function newGroup(cs: CipherSuiteProvider, creator: TestClient, policy?: GroupPolicyInput, extensions?: readonly Extension[]): Promise<GroupState> {
  return createGroup({
    cs,
    groupId: new TextEncoder().encode("group-" + creator.name),
    leafNode: creator.kp.keyPackage.leafNode,
    encryptionPrivateKey: creator.kp.privateKeys.encryptionPrivateKey,
    signaturePrivateKey: creator.signaturePrivateKey,
    services,
    policy: groupPolicy(policy),
    ...(extensions !== undefined ? { extensions } : {}),
  });
}

/** Processes a message and merges a staged Commit. */
export async function deliver(state: GroupState, msg: Uint8Array): Promise<GroupState> {
  const r = await processMessage(state, msg);
  if (r.kind === "commit") return mergeStagedCommit(r.staged);
  return r.state;
}

export function join(cs: CipherSuiteProvider, c: TestClient, welcome: Uint8Array, policy?: GroupPolicyInput, ratchetTree?: Uint8Array): Promise<GroupState> {
  return joinFromWelcome({
    cs,
    welcome,
    keyPackage: c.kp.keyPackage,
    initPrivateKey: c.kp.privateKeys.initPrivateKey,
    encryptionPrivateKey: c.kp.privateKeys.encryptionPrivateKey,
    signaturePrivateKey: c.signaturePrivateKey,
    services,
    policy: groupPolicy(policy),
    ...(ratchetTree !== undefined ? { ratchetTree } : {}),
  });
}

export function kpOf(c: TestClient): ValidatedKeyPackage {
  return c.kp.keyPackage as ValidatedKeyPackage;
}
