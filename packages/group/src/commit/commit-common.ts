/**
 * Steps shared by the creator and the receivers of a Commit (RFC 9420
 * §12.4.1, §12.4.2) before the epoch transition: the provisional
 * GroupContext and PSK lookup (§8.4). The transition itself (key schedule,
 * transcript hashes, confirmation tag, new state) is epoch-transition.ts.
 */
import { bytesEqual, encode } from "@mlskit/codec";
import { type CipherSuiteProvider, ValidationError, expandWithLabel } from "@mlskit/core";
import { type GroupContext, PSKType, type PreSharedKeyID, type PskInput, derivePskSecret, groupContextCodec } from "@mlskit/key-schedule";
import type { Extension } from "@mlskit/core";
import type { NodeIndex, TreeView, TreePrivateKeys } from "@mlskit/ratchet-tree";
import type { GroupState, GroupServices } from "../state/group-state.js";

/** The GroupContext of the new epoch from the old one (§12.4.1, §12.4.2). */
export function nextGroupContext(gc: GroupContext, treeHash: Uint8Array, confirmedTranscriptHash: Uint8Array, extensions: readonly Extension[]): GroupContext {
  return { ...gc, epoch: gc.epoch + 1n, treeHash, confirmedTranscriptHash, extensions };
}

/** A GroupContextFor callback for TreeKEM: the provisional GroupContext (old confirmed transcript hash, §12.4.1). */
export function provisionalGroupContext(gc: GroupContext, extensions: readonly Extension[]): (treeHash: Uint8Array) => Uint8Array {
  return (treeHash) => encode(groupContextCodec, nextGroupContext(gc, treeHash, gc.confirmedTranscriptHash, extensions));
}

/** What PSK lookup needs: our own group's past resumption PSKs and the application's stores. */
export interface PskSource {
  readonly groupId: Uint8Array;
  /** Resumption PSKs of this group by epoch (the current epoch included). */
  readonly resumption: ReadonlyMap<bigint, Uint8Array>;
  readonly services: GroupServices;
  /** PSKs supplied for this operation only (e.g. the old group's resumption PSK of a ReInit, §11.2), checked first. */
  readonly extra?: (id: PreSharedKeyID) => Uint8Array | undefined;
}

/** The PSK source of a group state: its kept resumption PSKs and the current epoch's. */
export function pskSourceOf(state: GroupState): PskSource {
  const resumption = new Map(state.resumptionPsks);
  resumption.set(state.groupContext.epoch, state.keys.resumptionPsk);
  return { groupId: state.groupContext.groupId, resumption, services: state.services };
}

/**
 * Looks up every PSK of the list (§8.4) and derives psk_secret; undefined
 * for an empty list (the all-zero secret).
 * @throws ValidationError `psk/unknown` (§12.4.2: "Verify that all PreSharedKey proposals ... are available").
 */
export async function resolvePskSecret(cs: CipherSuiteProvider, ids: readonly PreSharedKeyID[], source: PskSource, section = "12.4.2"): Promise<Uint8Array | undefined> {
  if (ids.length === 0) return undefined;
  const inputs: PskInput[] = await Promise.all(
    ids.map(async (id) => {
      const psk = await lookupPsk(id, source);
      if (psk === undefined) {
        throw new ValidationError("psk/unknown", section, `PSK ${id.psktype === PSKType.external ? "external" : `resumption epoch ${id.pskEpoch}`} is not available`);
      }
      return { id, psk };
    }),
  );
  return derivePskSecret(cs, inputs);
}

/** The value of one PSK (§8.4), or undefined when this client does not hold it. */
export async function lookupPsk(id: PreSharedKeyID, source: PskSource): Promise<Uint8Array | undefined> {
  const extra = source.extra?.(id);
  if (extra !== undefined) return extra;
  if (id.psktype === PSKType.external) return source.services.psks?.get(id.pskId);
  if (bytesEqual(id.pskGroupId, source.groupId)) return source.resumption.get(id.pskEpoch);
  return source.services.resumptionPsks?.get(id.pskGroupId, id.pskEpoch);
}

/** welcome_key and welcome_nonce from welcome_secret (§12.4.3.1). */
export async function welcomeKeyNonce(cs: CipherSuiteProvider, welcomeSecret: Uint8Array): Promise<{ key: Uint8Array; nonce: Uint8Array }> {
  const empty = new Uint8Array(0);
  const [key, nonce] = await Promise.all([
    expandWithLabel(cs, welcomeSecret, "key", empty, cs.aeadKeyLength),
    expandWithLabel(cs, welcomeSecret, "nonce", empty, cs.aeadNonceLength),
  ]);
  return { key, nonce };
}

/** Private keys without those of nodes that are blank in `view` (keys of blanked nodes are deleted, §7.4). */
export function dropBlankKeys(keys: TreePrivateKeys, view: TreeView): TreePrivateKeys {
  const drop: NodeIndex[] = keys.nodes().filter((n) => n >= view.nodeCount || view.isBlank(n));
  return drop.length === 0 ? keys : keys.with([], drop);
}
