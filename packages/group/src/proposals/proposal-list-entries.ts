/**
 * Typed entries of a proposal list under validation (RFC 9420 §12.2): one
 * variant per proposal type, so validation reads each proposal's fields
 * without casts. SelfRemove and AppDataUpdate (draft-ietf-mls-extensions)
 * have their own kinds; other non-RFC types are `custom` (§13.2).
 */
import { ProposalType } from "@mlskit/core";
import type { Sender } from "../framing/sender.js";
import { isAppDataUpdate } from "../extensions/app-data.js";
import { isSelfRemove } from "../extensions/self-remove.js";
import type {
  AddProposal,
  CustomProposal,
  ExternalInitProposal,
  GroupContextExtensionsProposal,
  PreSharedKeyProposal,
  ReInitProposal,
  RemoveProposal,
  UpdateProposal,
} from "./proposal.js";
import type { ProposalWithSender } from "./proposal-list-types.js";

/** One entry of the list: a proposal of kind `K`, its sender, and its ProposalRef when committed by reference. */
export interface EntryOf<K extends string, P> {
  readonly kind: K;
  readonly proposal: P;
  readonly sender: Sender;
  /** The ProposalRef when it was committed by reference (only those the committer may omit, §12.2). */
  readonly ref?: Uint8Array;
}

export type AddEntry = EntryOf<"add", AddProposal>;
export type UpdateEntry = EntryOf<"update", UpdateProposal>;
export type RemoveEntry = EntryOf<"remove", RemoveProposal>;
export type PskEntry = EntryOf<"psk", PreSharedKeyProposal>;
export type ReInitEntry = EntryOf<"reinit", ReInitProposal>;
export type ExternalInitEntry = EntryOf<"external-init", ExternalInitProposal>;
export type GroupContextExtensionsEntry = EntryOf<"group-context-extensions", GroupContextExtensionsProposal>;
/** draft-ietf-mls-extensions SelfRemove (0x000A): removes its sender's leaf. */
export type SelfRemoveEntry = EntryOf<"self-remove", CustomProposal>;
/** draft-ietf-mls-extensions AppDataUpdate (0x0008): applied after the other proposals. */
export type AppDataUpdateEntry = EntryOf<"app-data-update", CustomProposal>;
/** Any other non-RFC type, handled by the policy's custom proposal hooks (§13.2). */
export type CustomEntry = EntryOf<"custom", CustomProposal>;

/** A proposal of a list under validation, by type. */
export type ProposalListEntry =
  AddEntry | UpdateEntry | RemoveEntry | PskEntry | ReInitEntry | ExternalInitEntry | GroupContextExtensionsEntry | SelfRemoveEntry | AppDataUpdateEntry | CustomEntry;

/** A by-reference entry: the only kind the committer may leave out (§12.2). */
export type ByReferenceEntry = ProposalListEntry & { readonly ref: Uint8Array };

/** Whether an entry was committed by reference. */
export function isByReference(e: ProposalListEntry): e is ByReferenceEntry {
  return e.ref !== undefined;
}

/** The typed entry of a proposal with its sender. */
export function proposalListEntry(x: ProposalWithSender): ProposalListEntry {
  const base = { sender: x.sender, ...(x.ref !== undefined ? { ref: x.ref } : {}) };
  const p = x.proposal;
  switch (p.proposalType) {
    case ProposalType.add:
      return { kind: "add", proposal: p, ...base };
    case ProposalType.update:
      return { kind: "update", proposal: p, ...base };
    case ProposalType.remove:
      return { kind: "remove", proposal: p, ...base };
    case ProposalType.psk:
      return { kind: "psk", proposal: p, ...base };
    case ProposalType.reinit:
      return { kind: "reinit", proposal: p, ...base };
    case ProposalType.external_init:
      return { kind: "external-init", proposal: p, ...base };
    case ProposalType.group_context_extensions:
      return { kind: "group-context-extensions", proposal: p, ...base };
    case "custom":
      if (isAppDataUpdate(p)) return { kind: "app-data-update", proposal: p, ...base };
      if (isSelfRemove(p)) return { kind: "self-remove", proposal: p, ...base };
      return { kind: "custom", proposal: p, ...base };
  }
}
