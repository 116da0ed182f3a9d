/** Test helpers for the observer tests (excluded from the build). */
import { expect } from "vitest";
import { toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, ExtensionType, ProtocolVersion, ValidationError, WireFormat } from "@mlskit/core";
import { signGroupInfo } from "../welcome/group-info.js";
import type { GroupState } from "../state/group-state.js";
import { encodeMlsMessage } from "../framing/mls-message.js";
import { services } from "../group.fixture.js";
import { observeGroupInfo } from "./observe-group-info.js";
import type { ObservedCommit } from "./observe-commit.js";
import { type ObservedMessage, observeMessage } from "./observe-message.js";
import type { PublicGroupView } from "./public-group-view.js";
import { encodePublicGroupView } from "./public-group-view-codec.js";

/** A GroupInfo of `state`'s current epoch signed by its member, with the tree, as an MLSMessage. */
export async function groupInfoOf(state: GroupState, ratchetTree = true): Promise<Uint8Array> {
  const groupInfo = await signGroupInfo(state.cs, state.signaturePrivateKey, {
    groupContext: state.groupContext,
    extensions: ratchetTree ? [{ extensionType: ExtensionType.ratchet_tree, extensionData: state.tree.encode() }] : [],
    confirmationTag: state.confirmationTag,
    signer: state.ownLeaf,
  });
  return encodeMlsMessage({ version: ProtocolVersion.mls10, wireFormat: WireFormat.mls_group_info, groupInfo });
}

/** The observer's view of `state`'s epoch, from a GroupInfo `state` signs. */
export async function observe(cs: CipherSuiteProvider, state: GroupState): Promise<PublicGroupView> {
  return observeGroupInfo({ cs, services, groupInfo: await groupInfoOf(state) });
}

/** The view has the public state of every member given: epoch, GroupContext, tree and both transcript hashes. */
export function expectSameAs(view: PublicGroupView, ...states: GroupState[]): void {
  for (const s of states) {
    expect(view.groupContext.epoch).toBe(s.groupContext.epoch);
    expect(toHex(view.groupContext.treeHash)).toBe(toHex(s.groupContext.treeHash));
    expect(toHex(view.groupContext.confirmedTranscriptHash)).toBe(toHex(s.groupContext.confirmedTranscriptHash));
    expect(toHex(view.interimTranscriptHash)).toBe(toHex(s.interimTranscriptHash));
    expect(toHex(view.confirmationTag)).toBe(toHex(s.confirmationTag));
    expect(toHex(view.framing.encodedGroupContext)).toBe(toHex(s.framing.encodedGroupContext));
    expect(toHex(view.tree.encode())).toBe(toHex(s.tree.encode()));
  }
}

/** Observes a message that must be a Commit. */
export async function observeCommitMessage(view: PublicGroupView, message: Uint8Array): Promise<ObservedCommit> {
  const r: ObservedMessage = await observeMessage(view, message);
  expect(r.kind).toBe("commit");
  return r as ObservedCommit;
}

/**
 * Observing `message` fails with the ValidationError `code` (and `section`
 * when given), and `view` is unchanged (same encoding before and after).
 */
export async function expectObserverRejects(view: PublicGroupView, message: Uint8Array, code: string, section?: string): Promise<ValidationError> {
  const before = toHex(encodePublicGroupView(view));
  const e = await observeMessage(view, message).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(ValidationError.isInstance(e), String(e)).toBe(true);
  const err = e as ValidationError;
  expect(err.code).toBe(code);
  if (section !== undefined) expect(err.rfcSection).toBe(section);
  expect(toHex(encodePublicGroupView(view))).toBe(before);
  return err;
}
