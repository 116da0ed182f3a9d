/**
 * Application data in the group state (draft-ietf-mls-extensions, "Attaching
 * Application Data to MLS Messages" and "Updating Application Data in the
 * GroupContext"): the `app_data_dictionary` extension (0x0006) and the
 * AppDataUpdate proposal (0x0008), with the application's validation hook
 * ({@link AppDataPolicy}). Opt-in like SelfRemove: a group uses AppDataUpdate
 * only when every member lists the proposal type (put it in
 * `required_capabilities` with {@link withAppDataUpdateRequired}).
 *
 * ```tls
 * struct { ComponentID component_id; opaque data<V>; } ComponentData;
 * struct { ComponentData component_data<V>; } AppDataDictionary;   // sorted, unique component_id
 * enum { invalid(0), update(1), remove(2), (255) } AppDataUpdateOperation;
 * struct {
 *     ComponentID component_id;
 *     AppDataUpdateOperation op;
 *     select (AppDataUpdate.op) { case update: opaque update<V>; case remove: struct{}; };
 * } AppDataUpdate;
 * ```
 *
 * Wire form: a {@link CustomProposal} of type {@link APP_DATA_UPDATE_PROPOSAL_TYPE}
 * whose `body` is the AppDataUpdate struct itself (the proposal codec writes it
 * without the `opaque<V>` wrapper of other non-RFC types).
 */
import { type Codec, type Reader, type Writer, decode, encode, opaque, struct, uint32, vector } from "@mlskit/codec";
import { type Extension, type ExtensionTypeId, ExtensionType, type ProposalTypeId, ValidationError, expectDefined } from "@mlskit/core";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { decodeExtension, makeExtension, requiredCapabilitiesCodec, type RequiredCapabilities } from "./extensions.js";
import type { CustomProposal, Proposal } from "../proposals/proposal.js";
import type { Sender } from "../framing/sender.js";

/** `app_data_update` proposal type, 0x0008 (draft-ietf-mls-extensions, IANA "suggested"; OpenMLS's). */
export const APP_DATA_UPDATE_PROPOSAL_TYPE = 0x0008 as ProposalTypeId;
/** `app_data_dictionary` extension type, 0x0006 (draft-ietf-mls-extensions, IANA "suggested"; OpenMLS's). */
export const APP_DATA_DICTIONARY_EXTENSION_TYPE = 0x0006 as ExtensionTypeId;

/** `ComponentData`: one component's data. */
export interface ComponentData {
  readonly componentId: number;
  readonly data: Uint8Array;
}

/** `AppDataDictionary`, sorted by component id, at most one entry each. */
export const appDataDictionaryCodec: Codec<readonly ComponentData[]> = {
  encode: (w, v) => vector(struct<ComponentData>({ componentId: uint32, data: opaque })).encode(w, [...v]),
  decode(r) {
    const at = r.offset;
    const entries = vector(struct<ComponentData>({ componentId: uint32, data: opaque })).decode(r);
    for (let i = 1; i < entries.length; i++) {
      if (expectDefined(entries[i], "entries[i]").componentId <= expectDefined(entries[i - 1], "entries[i - 1]").componentId)
        r.fail("codec/invalid-value", "app_data_dictionary entries are not sorted by unique component_id", at);
    }
    return entries;
  },
};

/** An AppDataUpdate: `update` with the update's bytes, or `remove`. */
export type AppDataUpdate = { readonly componentId: number; readonly op: "update"; readonly update: Uint8Array } | { readonly componentId: number; readonly op: "remove" };

/** Codec of the AppDataUpdate struct. */
export const appDataUpdateCodec: Codec<AppDataUpdate> = {
  encode(w: Writer, v: AppDataUpdate) {
    w.uint32(v.componentId);
    if (v.op === "update") {
      w.uint8(1);
      w.opaque(v.update);
    } else w.uint8(2);
  },
  decode(r: Reader): AppDataUpdate {
    const componentId = r.field("component_id", () => r.uint32());
    const at = r.offset;
    const op = r.field("op", () => r.uint8());
    if (op === 1) return { componentId, op: "update", update: r.field("update", () => opaque.decode(r)) };
    if (op === 2) return { componentId, op: "remove" };
    return r.fail("codec/invalid-value", `AppDataUpdateOperation ${op} is neither update(1) nor remove(2)`, at);
  },
};

/** The AppDataUpdate proposal. */
export function appDataUpdateProposal(u: AppDataUpdate): CustomProposal {
  return { proposalType: "custom", customProposalType: APP_DATA_UPDATE_PROPOSAL_TYPE, body: encode(appDataUpdateCodec, u) };
}

/** Whether `p` is an AppDataUpdate. */
export function isAppDataUpdate(p: Proposal): boolean {
  return p.proposalType === "custom" && p.customProposalType === APP_DATA_UPDATE_PROPOSAL_TYPE;
}

/** The AppDataUpdate of a proposal of that type. @throws CodecError when its body is malformed */
export function appDataUpdateOf(p: CustomProposal): AppDataUpdate {
  return decode(appDataUpdateCodec, p.body, "AppDataUpdate");
}

/** The group's app-data dictionary (empty when the extension is absent). */
export function appDataOf(extensions: readonly Extension[]): readonly ComponentData[] {
  return decodeExtension(extensions, APP_DATA_DICTIONARY_EXTENSION_TYPE, appDataDictionaryCodec) ?? [];
}

/** What the application's hook is told of an update. */
export interface AppDataUpdateContext {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  /** The senders of the updates, in order. */
  readonly senders: readonly Sender[];
  /** The committer's leaf (undefined for an external Commit). */
  readonly committer: LeafIndex | undefined;
}

/** The application's part in AppDataUpdate (the draft's "application logic registered to the component_id"). */
export interface AppDataPolicy {
  /** The component ids the application knows: an AppDataUpdate of another is invalid. */
  readonly components: readonly number[];
  /**
   * The new data of `componentId` after `updates` (in Commit order) applied to
   * `current` (undefined when the component has no data yet); `undefined`, or a
   * thrown ValidationError, makes the Commit invalid.
   */
  readonly update: (
    componentId: number,
    current: Uint8Array | undefined,
    updates: readonly Uint8Array[],
    context: AppDataUpdateContext,
  ) => Uint8Array | undefined | Promise<Uint8Array | undefined>;
}

/**
 * Applies a Commit's AppDataUpdates (draft-ietf-mls-extensions) to the
 * GroupContext extensions: per component, a single `remove` of present data,
 * or one or more `update`s the application turns into the new data.
 * @throws ValidationError `app-data/*` naming the broken rule
 */
export async function applyAppDataUpdates(
  extensions: readonly Extension[],
  updates: readonly { readonly update: AppDataUpdate; readonly sender: Sender }[],
  policy: AppDataPolicy | undefined,
  context: Omit<AppDataUpdateContext, "senders">,
): Promise<readonly Extension[]> {
  const invalid = (
    code: "app-data/unknown-component" | "app-data/invalid-operations" | "app-data/remove-absent" | "app-data/update-rejected",
    message: string,
    cause?: unknown,
  ): never => {
    throw new ValidationError(code, "12.2", `${message} (draft-ietf-mls-extensions AppDataUpdate)`, cause === undefined ? {} : { cause });
  };
  const byComponent = new Map<number, { update: AppDataUpdate; sender: Sender }[]>();
  for (const u of updates) {
    if (policy === undefined || !policy.components.includes(u.update.componentId))
      invalid("app-data/unknown-component", `AppDataUpdate of component ${u.update.componentId}, unknown to the application`);
    const list = byComponent.get(u.update.componentId) ?? [];
    list.push(u);
    byComponent.set(u.update.componentId, list);
  }
  const dict = new Map(appDataOf(extensions).map((c) => [c.componentId, c.data] as const));
  for (const [componentId, list] of byComponent) {
    const removes = list.filter((u) => u.update.op === "remove").length;
    if (removes > 0 && list.length > 1) invalid("app-data/invalid-operations", `component ${componentId}: a remove together with other AppDataUpdates`);
    if (removes === 1) {
      if (!dict.has(componentId)) invalid("app-data/remove-absent", `component ${componentId}: remove of data that is not present`);
      dict.delete(componentId);
      continue;
    }
    let next: Uint8Array | undefined;
    try {
      next = await expectDefined(policy, "policy").update(
        componentId,
        dict.get(componentId),
        list.map((u) => (u.update as { update: Uint8Array }).update),
        { ...context, senders: list.map((u) => u.sender) },
      );
    } catch (e) {
      if (ValidationError.isInstance(e)) throw e;
      invalid("app-data/update-rejected", `component ${componentId}: the application's update failed`, e);
    }
    if (next === undefined) invalid("app-data/update-rejected", `component ${componentId}: the application rejected the update`);
    dict.set(componentId, expectDefined(next, "next"));
  }
  const entries = [...dict].sort((a, b) => a[0] - b[0]).map(([componentId, data]) => ({ componentId, data }));
  const ext = makeExtension(APP_DATA_DICTIONARY_EXTENSION_TYPE, appDataDictionaryCodec, entries);
  const i = extensions.findIndex((e) => e.extensionType === APP_DATA_DICTIONARY_EXTENSION_TYPE);
  // "If no app_data_dictionary extension is present in the GroupContext, add one to the end of the extensions list."
  return i < 0 ? [...extensions, ext] : extensions.map((e, k) => (k === i ? ext : e));
}

/** The GroupContext extensions with AppDataUpdate added to `required_capabilities` (the opt-in at group creation). */
export function withAppDataUpdateRequired(extensions: readonly Extension[]): Extension[] {
  const type = ExtensionType.required_capabilities as ExtensionTypeId;
  const rc: RequiredCapabilities = decodeExtension(extensions, type, requiredCapabilitiesCodec) ?? { extensionTypes: [], proposalTypes: [], credentialTypes: [] };
  if (rc.proposalTypes.includes(APP_DATA_UPDATE_PROPOSAL_TYPE)) return [...extensions];
  const next = makeExtension(type, requiredCapabilitiesCodec, { ...rc, proposalTypes: [...rc.proposalTypes, APP_DATA_UPDATE_PROPOSAL_TYPE] });
  const i = extensions.findIndex((e) => e.extensionType === type);
  return i < 0 ? [...extensions, next] : extensions.map((e, k) => (k === i ? next : e));
}
