/** What framing (RFC 9420 §6) needs to know about the group in one epoch. */
import type { CipherSuiteProvider } from "@mlskit/core";
import { type GroupContext, encodeGroupContext } from "@mlskit/key-schedule";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { type ExternalSender, externalSendersOf } from "../extensions/extensions.js";

/**
 * The group's current epoch as framing sees it. Build it once per epoch
 * with {@link createFramingContext}: the GroupContext is encoded once here
 * and reused by every signature (FramedContentTBS includes it, §6.1).
 */
export interface FramingContext {
  readonly cs: CipherSuiteProvider;
  readonly groupContext: GroupContext;
  /** The TLS encoding of `groupContext`. */
  readonly encodedGroupContext: Uint8Array;
  /** The GroupContext's `external_senders` extension (§12.1.8.1), empty when absent. */
  readonly externalSenders: readonly ExternalSender[];
}

/**
 * Creates the framing context of an epoch. `encodedGroupContext`, when
 * given, must be the encoding of `groupContext` (the key schedule's, §8).
 * @throws CodecError if the `external_senders` extension is malformed;
 *   ValidationError `extensions/duplicate` if it appears twice (§13.4).
 */
export function createFramingContext(cs: CipherSuiteProvider, groupContext: GroupContext, encodedGroupContext?: Uint8Array): FramingContext {
  return {
    cs,
    groupContext,
    // The key schedule encoded it already when the epoch was derived (§8); not encoded twice.
    encodedGroupContext: encodedGroupContext ?? encodeGroupContext(groupContext),
    externalSenders: externalSendersOf(groupContext.extensions),
  };
}

/**
 * How framing looks up the group's members: the ratchet tree of the epoch.
 * `TreeView` from `@mlskit/ratchet-tree` satisfies it as is.
 */
export interface MemberLookup {
  /** Number of leaves of the tree. */
  readonly leafCount: number;
  /** The signature key of the member at `leaf`, or undefined when the leaf is blank or outside the tree. */
  signatureKey(leaf: LeafIndex): Uint8Array | undefined;
}
