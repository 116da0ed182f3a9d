/**
 * Members and proposals as the facade's {@link Group} takes them ({@link ProposalSpec})
 * and their mapping to the state machine's input: KeyPackages validated
 * against the group, members resolved to leaves by identity.
 */
import { bytesEqual, utf8 } from "@mlskit/codec";
import { type Extension, type IdentityProvider, UsageError, expectDefined } from "@mlskit/core";
import { type GroupState, type ProposalInput, type ValidatedKeyPackage, leafNodeGroupOf, validateKeyPackage } from "@mlskit/group";
import { ResumptionPSKUsage } from "@mlskit/key-schedule";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import type { Group } from "./group.js";
import { decodeKeyPackageInput } from "./key-package-input.js";
import type { MemberInfo } from "./results.js";

/** A member to remove: a leaf index, or an identity (bytes, or a string taken as UTF-8). */
export type MemberRef = number | string | Uint8Array;

/** A proposal, as the facade takes it (committed by value, or sent with `propose`). */
export type ProposalSpec =
  /** Add the client of this KeyPackage (an MLSMessage or a bare `KeyPackage` encoding). */
  | { readonly add: Uint8Array }
  /** Remove a member: a leaf index, or an identity. */
  | { readonly remove: MemberRef }
  /** Inject the external PSK with this `psk_id` (§8.4); every member must hold it. */
  | { readonly psk: Uint8Array }
  /** Inject a resumption PSK of this group (or another) of a past epoch (§8.6). */
  | { readonly resumptionPsk: { readonly epoch: bigint; readonly groupId?: Uint8Array } }
  | { readonly groupContextExtensions: readonly Extension[] }
  /** Reinitialise the group with new parameters (§11.2). */
  | { readonly reinit: { readonly groupId?: Uint8Array; readonly cipherSuite?: number; readonly version?: number; readonly extensions?: readonly Extension[] } }
  /** An application-defined proposal (§13.2). */
  | { readonly custom: { readonly proposalType: number; readonly body: Uint8Array } };

/** Options of the `propose*` methods. */
export interface ProposeOptions {
  readonly authenticatedData?: Uint8Array;
}

/** Turns a facade proposal into the state machine's input (KeyPackages validated, identities resolved). @internal */
export async function resolveProposal(s: GroupState, identityProvider: IdentityProvider, spec: ProposalSpec): Promise<ProposalInput> {
  if ("add" in spec) return { add: await validateAddedKeyPackage(s, identityProvider, spec.add) };
  if ("remove" in spec) return { remove: await leafOf(s, identityProvider, spec.remove) };
  if ("psk" in spec) return { externalPsk: { pskId: spec.psk } };
  if ("resumptionPsk" in spec) {
    const r = spec.resumptionPsk;
    return { resumptionPsk: { epoch: r.epoch, ...(r.groupId !== undefined ? { groupId: r.groupId } : {}), usage: ResumptionPSKUsage.application } };
  }
  if ("groupContextExtensions" in spec) return { groupContextExtensions: spec.groupContextExtensions };
  if ("reinit" in spec) {
    const r = spec.reinit;
    return {
      reinit: {
        groupId: r.groupId ?? s.cs.randomBytes(s.cs.hashLength),
        cipherSuite: r.cipherSuite ?? s.groupContext.cipherSuite,
        version: r.version ?? s.groupContext.version,
        extensions: r.extensions ?? s.groupContext.extensions,
      },
    };
  }
  return { custom: spec.custom };
}

/** Decodes and validates a KeyPackage to add against the group (§10.1, §12.2). */
async function validateAddedKeyPackage(s: GroupState, identityProvider: IdentityProvider, bytes: Uint8Array): Promise<ValidatedKeyPackage> {
  const kp = decodeKeyPackageInput(bytes);
  const { keyPackage } = await validateKeyPackage(s.cs, kp, {
    identityProvider,
    group: leafNodeGroupOf(s.groupContext, s.tree),
    lifetime: s.policy.lifetime,
  });
  return keyPackage;
}

/** The leaf of a member given by leaf index or identity. @internal */
async function leafOf(s: GroupState, identityProvider: IdentityProvider, member: MemberRef): Promise<LeafIndex> {
  if (typeof member === "number") {
    if (s.tree.leafNode(member as LeafIndex) === undefined) throw new UsageError("usage/unknown-member", `leaf ${member} is blank or outside the tree`);
    return member as LeafIndex;
  }
  const wanted = typeof member === "string" ? utf8(member) : member;
  for (const l of s.tree.leaves()) {
    const id = await identityProvider.identity(expectDefined(s.tree.leafNode(l), "s.tree.leafNode(l)").credential);
    if (bytesEqual(id, wanted)) return l;
  }
  throw new UsageError("usage/unknown-member", "no member presents this identity");
}

/** The members of the state's epoch, by leaf (§5.3.3 identities from the identity provider). @internal */
export async function membersOf(state: GroupState, identityProvider: IdentityProvider): Promise<MemberInfo[]> {
  const out: MemberInfo[] = [];
  for (const l of state.tree.leaves()) {
    const leaf = expectDefined(state.tree.leafNode(l), "state.tree.leafNode(l)");
    out.push({
      leafIndex: l,
      identity: await identityProvider.identity(leaf.credential),
      credentialType: leaf.credential.credentialType,
      credential: leaf.credential,
      signatureKey: leaf.signatureKey,
    });
  }
  return out;
}
