/**
 * Mutants only a member can make (RFC 9420 §6.1-§6.3): forged sender data
 * (another member's leaf and generation, blank and absent leaves), the
 * genuine content and signature re-encrypted (another generation, reuse
 * guard or padding: the same meaning, which a receiver may accept), the
 * plaintext tampered with and re-encrypted, content re-framed from one wire
 * format to the other, sealed under another epoch's keys, and PublicMessages
 * altered with their membership tag recomputed.
 */
import { bytesEqual } from "@mlskit/codec";
import { WireFormat } from "@mlskit/core";
import { createAuthenticatedContent, createMembershipTag } from "../framing/content-authentication.js";
import { ContentType } from "../framing/content-type.js";
import type { FramedContent, FramedContentBody } from "../framing/framed-content.js";
import { type MLSMessageIn, decodeMlsMessage, encodeMlsMessage } from "../framing/mls-message.js";
import type { PublicMessageIn } from "../framing/public-message.js";
import { SenderType, memberSender } from "../framing/sender.js";
import { bitFlip } from "./byte-mutations.fixture.js";
import type { InsiderKeys } from "./insider-keys.fixture.js";
import { privateContent } from "./insider-keys.fixture.js";
import type { Prng } from "./prng.fixture.js";
import { fieldOf, layoutOf } from "./wire-layout.fixture.js";

export type InsiderCategory = "forged-sender-data" | "insider-reencryption" | "insider-tamper" | "insider-reframe" | "insider-other-epoch";

export interface InsiderMutant {
  readonly category: InsiderCategory;
  readonly bytes: Uint8Array;
  readonly detail: string;
}

export interface InsiderContext {
  /** The keys of the source message's epoch, held by the forging member. */
  readonly keys: InsiderKeys;
  /** Keys of other epochs (kept past epochs, the next one), for cross-epoch forgeries. */
  readonly otherEpochs: readonly InsiderKeys[];
  /** Leaves to claim: the victim's, other members', blank ones, and some outside the tree. */
  readonly leaves: readonly number[];
  /** A generation past the receiver's forward limit. */
  readonly farGeneration: number;
}

/** A mutant of a PrivateMessage of `ctx.keys`' epoch, made by the member holding those keys; undefined if it cannot open it. */
export async function insiderPrivateMutant(rng: Prng, ctx: InsiderContext, bytes: Uint8Array): Promise<InsiderMutant | undefined> {
  const { keys } = ctx;
  const o = await keys.open(bytes);
  if (o === undefined) return undefined;
  const base = { contentType: o.contentType, authenticatedData: o.pm.authenticatedData, leaf: o.leaf, generation: o.generation, plaintext: o.unpadded };
  const kind = rng.pick([
    "new-guard",
    "padding",
    "later-generation",
    "far-generation",
    "max-generation",
    "nonzero-padding",
    "other-leaf",
    "forged-content",
    "plaintext-flip",
    "confirmation-tag",
    "content-type",
    "authenticated-data",
    "other-epoch",
    "reframe-public",
  ] as const);
  const g = o.generation;
  switch (kind) {
    case "new-guard":
      return { category: "insider-reencryption", bytes: await keys.seal(base), detail: `same content, leaf ${o.leaf} generation ${g}, new reuse guard` };
    case "padding": {
      const n = rng.range(1, 64);
      const generation = rng.chance(0.5) ? g : g + rng.range(1, 4);
      return {
        category: "insider-reencryption",
        bytes: await keys.seal({ ...base, generation, plaintext: concat(o.unpadded, new Uint8Array(n)) }),
        detail: `same content, ${n} zero bytes of padding, generation ${generation}`,
      };
    }
    case "later-generation": {
      const generation = g + rng.range(1, 8);
      return { category: "insider-reencryption", bytes: await keys.seal({ ...base, generation }), detail: `same content at generation ${generation} (genuine ${g})` };
    }
    case "far-generation":
      return { category: "insider-reencryption", bytes: await keys.seal({ ...base, generation: ctx.farGeneration }), detail: `same content at generation ${ctx.farGeneration}` };
    case "max-generation":
      return { category: "forged-sender-data", bytes: await keys.seal({ ...base, generation: 0xffffffff, randomKey: true }), detail: "generation 2^32-1" };
    case "nonzero-padding": {
      const pad = new Uint8Array(rng.range(1, 16));
      pad[rng.int(pad.length)] = rng.range(1, 255);
      return { category: "insider-tamper", bytes: await keys.seal({ ...base, plaintext: concat(o.unpadded, pad) }), detail: "non-zero padding" };
    }
    case "other-leaf": {
      const leaf = rng.pick(ctx.leaves.filter((l) => l !== o.leaf));
      return {
        category: "forged-sender-data",
        bytes: await keys.seal({ ...base, leaf, generation: rng.range(0, 3) }),
        detail: `genuine content of leaf ${o.leaf} as leaf ${leaf}`,
      };
    }
    case "forged-content":
      return forgedPrivate(rng, ctx, o.leaf, g, o.pm.authenticatedData, o.body);
    case "plaintext-flip":
      return { category: "insider-tamper", bytes: await keys.seal({ ...base, plaintext: bitFlip(rng, o.unpadded).bytes }), detail: "bit flips in the plaintext, re-encrypted" };
    case "confirmation-tag": {
      if (o.contentType !== ContentType.commit)
        return { category: "insider-tamper", bytes: await keys.seal({ ...base, plaintext: bitFlip(rng, o.unpadded).bytes }), detail: "bit flips in the plaintext" };
      const tag = keys.member.cs.randomBytes(o.auth.confirmationTag?.length ?? 32);
      return {
        category: "insider-tamper",
        bytes: await keys.seal({ ...base, plaintext: privateContent(o.body, { ...o.auth, confirmationTag: tag }) }),
        detail: "the Commit's confirmation tag replaced",
      };
    }
    case "content-type": {
      const contentType = rng.pick([1, 2, 3].filter((t) => t !== o.contentType));
      return { category: "insider-tamper", bytes: await keys.seal({ ...base, contentType }), detail: `plaintext of content type ${o.contentType} sealed as ${contentType}` };
    }
    case "authenticated-data": {
      const authenticatedData = rng.chance(0.5) ? new Uint8Array(0) : concat(o.pm.authenticatedData, rng.bytes(rng.range(1, 8)));
      if (bytesEqual(authenticatedData, o.pm.authenticatedData))
        return { category: "insider-tamper", bytes: await keys.seal({ ...base, authenticatedData: new Uint8Array([1]) }), detail: "authenticated_data set" };
      return { category: "insider-tamper", bytes: await keys.seal({ ...base, authenticatedData }), detail: "authenticated_data changed (AAD consistent)" };
    }
    case "other-epoch": {
      if (ctx.otherEpochs.length === 0) return undefined;
      const other = rng.pick(ctx.otherEpochs);
      return {
        category: "insider-other-epoch",
        bytes: await other.seal({ ...base, generation: rng.range(0, 3) }),
        detail: `content of epoch ${keys.epoch} sealed in epoch ${other.epoch}`,
      };
    }
    case "reframe-public": {
      const content = { groupId: o.pm.groupId, epoch: o.pm.epoch, sender: memberSender(o.leaf), authenticatedData: o.pm.authenticatedData, ...o.body } as FramedContent;
      return { category: "insider-reframe", bytes: await framePublic(keys, content, o.auth), detail: `PrivateMessage content re-framed as PublicMessage` };
    }
  }
}

/** New content claiming `leaf`, signed with the forger's own key (never the forger's leaf: that would be a genuine message). */
async function forgedPrivate(rng: Prng, ctx: InsiderContext, leaf: number, generation: number, authenticatedData: Uint8Array, body: FramedContentBody): Promise<InsiderMutant> {
  const { keys } = ctx;
  const claimed = leaf === keys.member.ownLeaf ? rng.pick(ctx.leaves.filter((l) => l !== keys.member.ownLeaf)) : leaf;
  const gc = keys.member.groupContext;
  const forgedBody =
    body.contentType === ContentType.application
      ? { contentType: ContentType.application, applicationData: concat(body.applicationData, new TextEncoder().encode(" (forged)")) }
      : body;
  const content = { groupId: gc.groupId, epoch: gc.epoch, sender: memberSender(claimed), authenticatedData, ...forgedBody } as FramedContent;
  const ac = await createAuthenticatedContent(keys.member.framing, {
    wireFormat: WireFormat.mls_private_message,
    content,
    signaturePrivateKey: keys.member.signaturePrivateKey,
    ...(content.contentType === ContentType.commit ? { confirmationTag: keys.member.cs.randomBytes(keys.member.cs.hashLength) } : {}),
  });
  const g = rng.pick([generation, generation + 1, 0, rng.range(0, 40)]);
  const bytes = await keys.seal({ contentType: content.contentType, authenticatedData, leaf: claimed, generation: g, plaintext: privateContent(content, ac.auth) });
  return { category: "forged-sender-data", bytes, detail: `content signed by leaf ${keys.member.ownLeaf} claiming leaf ${claimed} generation ${g}` };
}

/** `content` and `auth` framed as a member's PublicMessage, with the membership tag of `keys`' epoch. */
async function framePublic(keys: InsiderKeys, content: FramedContent, auth: { signature: Uint8Array; confirmationTag?: Uint8Array }): Promise<Uint8Array> {
  const ac = { wireFormat: WireFormat.mls_public_message, content, auth };
  const membershipTag = await createMembershipTag(keys.member.framing, keys.member.keys.membershipKey, ac);
  return encodeMlsMessage({ version: 1, wireFormat: WireFormat.mls_public_message, publicMessage: { content, auth, membershipTag } });
}

/** A mutant of a member's PublicMessage of `ctx.keys`' epoch, its membership tag recomputed by the forging member. */
export async function insiderPublicMutant(rng: Prng, ctx: InsiderContext, bytes: Uint8Array): Promise<InsiderMutant | undefined> {
  const { keys } = ctx;
  let pm: PublicMessageIn;
  try {
    const m = decodeMlsMessage(bytes);
    if (m.wireFormat !== WireFormat.mls_public_message) return undefined;
    pm = m.publicMessage;
  } catch {
    return undefined;
  }
  const c = pm.content;
  if (c.sender.senderType !== SenderType.member || c.epoch !== keys.epoch) return undefined;
  const senderLeaf: number = c.sender.leafIndex;
  const kind = rng.pick(["retagged-flip", "retagged-flip", "sender", "sender-type", "confirmation-tag", "forged-content", "reframe-private", "other-epoch"] as const);
  switch (kind) {
    case "retagged-flip": {
      // Bit flips in the content or auth data, then a valid membership tag over the result.
      const layout = layoutOf(bytes);
      const tag = fieldOf(layout, "membership_tag");
      if (tag === undefined) return undefined;
      for (let attempt = 0; attempt < 8; attempt++) {
        const head = bitFlip(rng, bytes.subarray(0, tag.prefix!.start));
        let m: MLSMessageIn;
        try {
          m = decodeMlsMessage(concat(head.bytes, bytes.subarray(tag.prefix!.start)));
        } catch {
          continue;
        }
        if (m.wireFormat !== WireFormat.mls_public_message || m.publicMessage.content.sender.senderType !== SenderType.member) continue;
        const out = await framePublic(keys, m.publicMessage.content, m.publicMessage.auth);
        if (!bytesEqual(out, bytes)) return { category: "insider-tamper", bytes: out, detail: `${head.detail} in the content, membership tag recomputed` };
      }
      return undefined;
    }
    case "sender": {
      const leaf = rng.pick(ctx.leaves.filter((l) => l !== senderLeaf));
      return {
        category: "forged-sender-data",
        bytes: await framePublic(keys, { ...c, sender: memberSender(leaf) }, pm.auth),
        detail: `sender leaf ${senderLeaf} -> ${leaf}, membership tag recomputed`,
      };
    }
    case "sender-type": {
      const sender = rng.pick([
        { senderType: SenderType.external, senderIndex: rng.range(0, 3) },
        { senderType: SenderType.new_member_proposal },
        { senderType: SenderType.new_member_commit },
      ] as const);
      const publicMessage: PublicMessageIn = { content: { ...c, sender } as FramedContent, auth: pm.auth };
      return {
        category: "forged-sender-data",
        bytes: encodeMlsMessage({ version: 1, wireFormat: WireFormat.mls_public_message, publicMessage }),
        detail: `sender type ${sender.senderType}, no membership tag`,
      };
    }
    case "confirmation-tag": {
      if (c.contentType !== ContentType.commit)
        return { category: "forged-sender-data", bytes: await framePublic(keys, { ...c, sender: memberSender(rng.pick(ctx.leaves)) }, pm.auth), detail: "sender changed" };
      const tag = keys.member.cs.randomBytes(pm.auth.confirmationTag?.length ?? 32);
      return {
        category: "insider-tamper",
        bytes: await framePublic(keys, c, { ...pm.auth, confirmationTag: tag }),
        detail: "the Commit's confirmation tag replaced, signature intact, membership tag recomputed",
      };
    }
    case "forged-content": {
      const claimed = senderLeaf === keys.member.ownLeaf ? rng.pick(ctx.leaves.filter((l) => l !== keys.member.ownLeaf)) : senderLeaf;
      const content = { ...c, sender: memberSender(claimed) } as FramedContent;
      const ac = await createAuthenticatedContent(keys.member.framing, {
        wireFormat: WireFormat.mls_public_message,
        content,
        signaturePrivateKey: keys.member.signaturePrivateKey,
        ...(content.contentType === ContentType.commit ? { confirmationTag: pm.auth.confirmationTag ?? keys.member.cs.randomBytes(32) } : {}),
      });
      return { category: "forged-sender-data", bytes: await framePublic(keys, content, ac.auth), detail: `content claiming leaf ${claimed} signed by leaf ${keys.member.ownLeaf}` };
    }
    case "reframe-private": {
      const generation = rng.range(0, 3);
      const bytes2 = await keys.seal({ contentType: c.contentType, authenticatedData: c.authenticatedData, leaf: senderLeaf, generation, plaintext: privateContent(c, pm.auth) });
      return { category: "insider-reframe", bytes: bytes2, detail: `PublicMessage content and signature re-framed as PrivateMessage (generation ${generation})` };
    }
    case "other-epoch": {
      if (ctx.otherEpochs.length === 0) return undefined;
      const other = rng.pick(ctx.otherEpochs);
      return {
        category: "insider-other-epoch",
        bytes: await framePublic(other, { ...c, epoch: other.epoch, groupId: other.member.groupContext.groupId }, pm.auth),
        detail: `content moved to epoch ${other.epoch}, membership tag of that epoch`,
      };
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
