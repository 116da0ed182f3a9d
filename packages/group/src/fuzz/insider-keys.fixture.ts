/**
 * What a malicious member can do with the keys of an epoch (RFC 9420 §6.3,
 * §9): every member derives every sender's ratchet keys and knows
 * `sender_data_secret` and `membership_key`. An {@link InsiderKeys} is taken
 * from a member's state as it enters the epoch (nothing consumed yet), so it
 * opens any PrivateMessage of the epoch and seals any sender data, with any
 * leaf, generation, reuse guard and plaintext.
 */
import { Writer, decode, encode } from "@mlskit/codec";
import { WireFormat } from "@mlskit/core";
import { SecretTree, type SecretTreeState, deriveSenderDataKeyNonce } from "@mlskit/key-schedule";
import { type ContentTypeId, isContentType, ratchetTypeOf } from "../framing/content-type.js";
import type { FramedContentAuthData } from "../framing/framed-content-auth-data.js";
import { type FramedContentBody, encodeContentBody } from "../framing/framed-content.js";
import type { GroupState } from "../state/group-state.js";
import { decodeMlsMessage, encodeMlsMessage } from "../framing/mls-message.js";
import { decodePrivateMessageContent, encodePrivateMessageContentFromBody } from "../framing/private-message-content.js";
import { REUSE_GUARD_LENGTH, encodePrivateMessageAads, senderDataCodec, type PrivateMessageIn } from "../framing/private-message.js";

/** Generations an insider derives at most (deriving is one hash step each). */
const MAX_DERIVED_GENERATION = 4096;

export class InsiderKeys {
  readonly #tree: SecretTreeState;

  /** `member` must have just entered its epoch: nothing of its secret tree consumed. */
  constructor(readonly member: GroupState) {
    this.#tree = member.secretTree.exportState();
  }

  get epoch(): bigint {
    return this.member.groupContext.epoch;
  }

  /** The key and nonce of `generation` of `leaf`'s ratchet, or undefined when the leaf is outside the tree or the generation too far. */
  async key(leaf: number, type: "handshake" | "application", generation: number): Promise<{ key: Uint8Array; nonce: Uint8Array } | undefined> {
    if (leaf >= this.#tree.leafCount || generation > MAX_DERIVED_GENERATION) return undefined;
    const tree = SecretTree.fromState(this.member.cs, this.#tree, { policy: { outOfOrderWindow: 0, maxForwardDistance: MAX_DERIVED_GENERATION } });
    const k = await (await tree.ratchet(leaf, type)).get(generation);
    const out = { key: k.key.slice(), nonce: k.nonce.slice() };
    k.wipe();
    tree.wipe();
    return out;
  }

  /** Opens a PrivateMessage of this epoch without checking its signature; undefined if it is none or does not open. */
  async open(bytes: Uint8Array): Promise<OpenedPrivateMessage | undefined> {
    const cs = this.member.cs;
    let pm: PrivateMessageIn;
    try {
      const m = decodeMlsMessage(bytes);
      if (m.wireFormat !== WireFormat.mls_private_message) return undefined;
      pm = m.privateMessage;
    } catch {
      return undefined;
    }
    if (pm.epoch !== this.epoch || !isContentType(pm.contentType)) return undefined;
    const contentType = pm.contentType;
    const { contentAad, senderDataAad } = encodePrivateMessageAads(pm);
    try {
      const sdk = await deriveSenderDataKeyNonce(cs, this.member.keys.senderDataSecret, pm.ciphertext);
      const sd = decode(senderDataCodec, await cs.aeadOpen(sdk.key, sdk.nonce, senderDataAad, pm.encryptedSenderData), "SenderData");
      sdk.wipe();
      const k = await this.key(sd.leafIndex, ratchetTypeOf(contentType), sd.generation);
      if (k === undefined) return undefined;
      const plaintext = await cs.aeadOpen(k.key, guarded(k.nonce, sd.reuseGuard), contentAad, pm.ciphertext);
      const decoded = decodePrivateMessageContent(plaintext, contentType);
      return {
        pm,
        contentType,
        leaf: sd.leafIndex,
        generation: sd.generation,
        reuseGuard: sd.reuseGuard,
        body: decoded.content,
        auth: decoded.auth,
        unpadded: plaintext.subarray(0, plaintext.length - decoded.paddingLength),
      };
    } catch {
      return undefined;
    }
  }

  /** The sender data (leaf, generation) of a PrivateMessage of this epoch, or undefined. */
  async senderData(bytes: Uint8Array): Promise<{ leaf: number; generation: number; contentType: number } | undefined> {
    try {
      const m = decodeMlsMessage(bytes);
      if (m.wireFormat !== WireFormat.mls_private_message || m.privateMessage.epoch !== this.epoch) return undefined;
      const pm = m.privateMessage;
      const sdk = await deriveSenderDataKeyNonce(this.member.cs, this.member.keys.senderDataSecret, pm.ciphertext);
      const sd = decode(senderDataCodec, await this.member.cs.aeadOpen(sdk.key, sdk.nonce, encodePrivateMessageAads(pm).senderDataAad, pm.encryptedSenderData), "SenderData");
      return { leaf: sd.leafIndex, generation: sd.generation, contentType: pm.contentType };
    } catch {
      return undefined;
    }
  }

  /**
   * Seals `plaintext` as a PrivateMessage with the given header and sender
   * data: the content under the key of (`leaf`, `generation`) when the
   * insider can derive it (else a random key), the sender data under this
   * epoch's sender_data_secret (§6.3.2), so it always decrypts.
   */
  async seal(spec: SealSpec): Promise<Uint8Array> {
    const cs = this.member.cs;
    const type = isContentType(spec.contentType) ? ratchetTypeOf(spec.contentType) : "application";
    const k = (spec.randomKey === true ? undefined : await this.key(spec.leaf, type, spec.generation)) ?? {
      key: cs.randomBytes(cs.aeadKeyLength),
      nonce: cs.randomBytes(cs.aeadNonceLength),
    };
    const header = {
      groupId: spec.groupId ?? this.member.groupContext.groupId,
      epoch: spec.epoch ?? this.epoch,
      contentType: spec.contentType,
      authenticatedData: spec.authenticatedData,
    };
    const { contentAad, senderDataAad } = encodePrivateMessageAads(header);
    const reuseGuard = spec.reuseGuard ?? cs.randomBytes(REUSE_GUARD_LENGTH);
    const ciphertext = await cs.aeadSeal(k.key, guarded(k.nonce, reuseGuard), contentAad, spec.plaintext);
    const senderData = encode(senderDataCodec, { leafIndex: spec.leaf as never, generation: spec.generation >>> 0, reuseGuard });
    const sdk = await deriveSenderDataKeyNonce(cs, this.member.keys.senderDataSecret, ciphertext);
    const encryptedSenderData = await cs.aeadSeal(sdk.key, sdk.nonce, senderDataAad, senderData);
    sdk.wipe();
    return encodeMlsMessage({
      version: 1,
      wireFormat: WireFormat.mls_private_message,
      privateMessage: { ...header, encryptedSenderData, ciphertext },
    });
  }
}

/** A PrivateMessage as an insider sees it. */
export interface OpenedPrivateMessage {
  readonly pm: PrivateMessageIn;
  readonly contentType: ContentTypeId;
  readonly leaf: number;
  readonly generation: number;
  readonly reuseGuard: Uint8Array;
  readonly body: FramedContentBody;
  readonly auth: FramedContentAuthData;
  /** The PrivateMessageContent without its padding. */
  readonly unpadded: Uint8Array;
}

export interface SealSpec {
  readonly contentType: number;
  readonly authenticatedData: Uint8Array;
  readonly leaf: number;
  readonly generation: number;
  readonly plaintext: Uint8Array;
  readonly reuseGuard?: Uint8Array;
  readonly groupId?: Uint8Array;
  readonly epoch?: bigint;
  readonly randomKey?: boolean;
}

/** PrivateMessageContent: the body and auth data of `contentType`, then `padding` (RFC 9420 §6.3.1). */
export function privateContent(body: FramedContentBody, auth: FramedContentAuthData, padding: Uint8Array = new Uint8Array(0)): Uint8Array {
  const w = new Writer(256);
  encodeContentBody(w, body);
  const unpadded = encodePrivateMessageContentFromBody(w.finish(), body.contentType, auth);
  const out = new Uint8Array(unpadded.length + padding.length);
  out.set(unpadded);
  out.set(padding, unpadded.length);
  return out;
}

function guarded(nonce: Uint8Array, reuseGuard: Uint8Array): Uint8Array {
  const out = nonce.slice();
  for (let i = 0; i < REUSE_GUARD_LENGTH; i++) out[i]! ^= reuseGuard[i]!;
  return out;
}
