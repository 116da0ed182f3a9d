/**
 * Codecs of the parts of a stored group state (see `group-state-body.ts`
 * for the whole layout). Each reader checks what a member's own state
 * always satisfies (secret sizes, unique keys, index order) and fails with
 * a `CodecError` `codec/invalid-value` at the offending field otherwise.
 *
 * ```tls
 * struct { uint32 node; opaque private_key<V>; } NodePrivateKey;        // ascending by node
 * struct {
 *     opaque sender_data_secret<V>; opaque exporter_secret<V>; opaque external_secret<V>;
 *     opaque confirmation_key<V>; opaque membership_key<V>; opaque resumption_psk<V>;
 *     opaque epoch_authenticator<V>; opaque init_secret<V>;             // KDF.Nh each
 * } EpochKeys;                                                          // RFC 9420 §8, Table 4
 * struct { opaque ref<V>; Proposal proposal; Sender sender; optional<opaque> message<V>; } CachedProposal;
 * struct { uint64 epoch; opaque psk<V>; } ResumptionPsk;
 * struct { opaque public_key<V>; opaque private_key<V>; } OwnUpdate;
 * enum { active(1), external_join_pending(2), removed(3), closed(4) } StatusKind;
 * struct {
 *     StatusKind kind;
 *     select (kind) {
 *         case active: struct {};
 *         case external_join_pending: opaque commit<V>;
 *         case removed: uint64 epoch;
 *         case closed: opaque reason<V>;                                // UTF-8
 *     };
 * } GroupStatus;
 * ```
 * Maps (proposals, resumption PSKs, own updates) are written in their
 * iteration order, which the state machine relies on (proposals are
 * committed in the order they were received; the oldest resumption PSK is
 * dropped first) and decoding restores.
 */
import { type Reader, type Writer, fromHex, opaque, toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, ProposalType, expectDefined } from "@mlskit/core";
import type { NodeIndex, TreePrivateKeys } from "@mlskit/ratchet-tree";
import { ACTIVE, type CachedProposal, EPOCH_KEYS, type EpochKeys, type GroupStatus } from "./group-state.js";
import { type ReInitProposal, proposalCodec, reInitCodec } from "../proposals/proposal.js";
import { senderCodec } from "../framing/sender.js";

/** An `opaque<V>` that must be KDF.Nh bytes (a secret of the key schedule). */
export function readNh(r: Reader, cs: CipherSuiteProvider, name: string): Uint8Array {
  return r.field(name, () => {
    const at = r.offset;
    const v = opaque.decode(r);
    if (v.length !== cs.hashLength) r.fail("codec/invalid-value", `${v.length} bytes where KDF.Nh is ${cs.hashLength}`, at);
    return v;
  });
}

const DIGEST_LENGTH = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 } as const;

/**
 * An `opaque<V>` that must be the length of the suite's Hash output (a
 * transcript hash, a MAC, a RefHash: RFC 9420 §5.1-§5.2, §8.2). That is
 * KDF.Nh in RFC 9420's suites but not in ts-mls 2.0's HKDF-SHA512 suites with
 * SHA-256/SHA-384 (TS_MLS_CIPHER_SUITE_MAP 0xF007-0xF00A).
 */
export function readDigest(r: Reader, cs: CipherSuiteProvider, name: string): Uint8Array {
  return r.field(name, () => {
    const at = r.offset;
    const v = opaque.decode(r);
    const n = DIGEST_LENGTH[cs.suite.hash];
    if (v.length !== n) r.fail("codec/invalid-value", `${v.length} bytes where the ${cs.suite.hash} output is ${n}`, at);
    return v;
  });
}

/** An `opaque<V>` that must not be empty (a private key). */
export function readNonEmpty(r: Reader, name: string): Uint8Array {
  return r.field(name, () => {
    const at = r.offset;
    const v = opaque.decode(r);
    if (v.length === 0) r.fail("codec/invalid-value", "empty", at);
    return v;
  });
}

/** Reads a `T items<V>` vector with `item` (whose field path gets the index). */
function readVector<T>(r: Reader, name: string, item: (r: Reader, index: number) => T): T[] {
  return r.field(name, () =>
    r.prefixed((body) => {
      const out: T[] = [];
      while (body.remaining > 0) out.push(body.field(`[${out.length}]`, () => item(body, out.length)));
      return out;
    }),
  );
}

export function writeEpochKeys(w: Writer, keys: EpochKeys): void {
  for (const name of EPOCH_KEYS) w.opaque(keys[name]);
}

export function readEpochKeys(r: Reader, cs: CipherSuiteProvider): EpochKeys {
  const keys: Partial<Record<keyof EpochKeys, Uint8Array>> = {};
  for (const name of EPOCH_KEYS) keys[name] = readNh(r, cs, name);
  return keys as EpochKeys;
}

export function writePrivateKeys(w: Writer, keys: TreePrivateKeys): void {
  w.prefixed((body) => {
    for (const n of keys.nodes()) {
      body.uint32(n);
      body.opaque(expectDefined(keys.get(n), "keys.get(n)"));
    }
  });
}

/** The node → HPKE private key entries, ascending by node (the caller checks them against the tree). */
export function readPrivateKeys(r: Reader): [NodeIndex, Uint8Array][] {
  let previous = -1;
  return readVector(r, "private_keys", (body) => {
    const at = body.offset;
    const node = body.uint32();
    if (node <= previous) body.fail("codec/invalid-value", `node ${node} is not above the previous one (${previous})`, at);
    previous = node;
    return [node as NodeIndex, readNonEmpty(body, "private_key")];
  });
}

export function writeProposals(w: Writer, proposals: ReadonlyMap<string, CachedProposal>): void {
  w.prefixed((body) => {
    for (const p of proposals.values()) {
      body.opaque(p.ref);
      proposalCodec.encode(body, p.proposal);
      senderCodec.encode(body, p.sender);
      if (p.message === undefined) body.uint8(0);
      else {
        body.uint8(1);
        body.opaque(p.message);
      }
    }
  });
}

/** Cached proposals by hex ProposalRef (a ref is a RefHash, KDF.Nh bytes, RFC 9420 §5.2), in stored order. */
export function readProposals(r: Reader, cs: CipherSuiteProvider): Map<string, CachedProposal> {
  const out = new Map<string, CachedProposal>();
  readVector(r, "proposals", (body) => {
    const at = body.offset;
    const ref = readDigest(body, cs, "ref");
    const key = toHex(ref);
    if (out.has(key)) body.fail("codec/invalid-value", `ProposalRef ${key} twice`, at);
    const proposal = body.field("proposal", () => proposalCodec.decode(body));
    const sender = body.field("sender", () => senderCodec.decode(body));
    const message = body.field("message", () => readOptional(body, () => opaque.decode(body)));
    out.set(key, message === undefined ? { ref, proposal, sender } : { ref, proposal, sender, message });
  });
  return out;
}

function readOptional<T>(r: Reader, read: () => T): T | undefined {
  const at = r.offset;
  const flag = r.uint8();
  if (flag === 0) return undefined;
  if (flag !== 1) r.fail("codec/invalid-value", `optional presence flag ${flag} is neither 0 nor 1`, at);
  return read();
}

export function writeResumptionPsks(w: Writer, psks: ReadonlyMap<bigint, Uint8Array>): void {
  w.prefixed((body) => {
    for (const [epoch, psk] of psks) {
      body.uint64(epoch);
      body.opaque(psk);
    }
  });
}

/** Resumption PSKs of past epochs (§8.6): epochs unique and below the current one, PSKs KDF.Nh bytes. */
export function readResumptionPsks(r: Reader, cs: CipherSuiteProvider, current: bigint): Map<bigint, Uint8Array> {
  const out = new Map<bigint, Uint8Array>();
  readVector(r, "resumption_psks", (body) => {
    const at = body.offset;
    const epoch = body.field("epoch", () => body.uint64());
    if (epoch >= current || out.has(epoch)) body.fail("codec/invalid-value", `resumption PSK of epoch ${epoch}: repeated or not before the current epoch ${current}`, at);
    out.set(epoch, readNh(body, cs, "psk"));
  });
  return out;
}

export function writeEarlyMessages(w: Writer, messages: readonly Uint8Array[]): void {
  w.prefixed((body) => {
    for (const m of messages) body.opaque(m);
  });
}

export function readEarlyMessages(r: Reader): Uint8Array[] {
  return readVector(r, "early_messages", (body) => opaque.decode(body));
}

export function writeReinit(w: Writer, reinit: ReInitProposal | undefined): void {
  if (reinit === undefined) w.uint8(0);
  else {
    w.uint8(1);
    reInitCodec.encode(w, reinit);
  }
}

export function readReinit(r: Reader): ReInitProposal | undefined {
  return r.field("reinit", () => readOptional(r, () => ({ proposalType: ProposalType.reinit, ...reInitCodec.decode(r) })));
}

/** Own Update proposals' HPKE private keys by hex public key: the public key's bytes are stored. */
export function writeOwnUpdates(w: Writer, updates: ReadonlyMap<string, Uint8Array>): void {
  w.prefixed((body) => {
    for (const [hex, privateKey] of updates) {
      body.opaque(fromHex(hex));
      body.opaque(privateKey);
    }
  });
}

export function readOwnUpdates(r: Reader): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  readVector(r, "own_updates", (body) => {
    const at = body.offset;
    const key = toHex(readNonEmpty(body, "public_key"));
    if (out.has(key)) body.fail("codec/invalid-value", `own update of public key ${key} twice`, at);
    out.set(key, readNonEmpty(body, "private_key"));
  });
  return out;
}

const STATUS_KIND = { active: 1, "external-join-pending": 2, removed: 3, closed: 4 } as const satisfies Record<GroupStatus["kind"], number>;
const UTF8 = new TextDecoder("utf-8", { fatal: true });

export function writeStatus(w: Writer, status: GroupStatus): void {
  w.uint8(STATUS_KIND[status.kind]);
  switch (status.kind) {
    case "active":
      return;
    case "external-join-pending":
      return w.opaque(status.commit);
    case "removed":
      return w.uint64(status.epoch);
    case "closed":
      return w.opaque(new TextEncoder().encode(status.reason));
  }
}

export function readStatus(r: Reader): GroupStatus {
  return r.field("status", () => {
    const at = r.offset;
    const kind = r.uint8();
    switch (kind) {
      case STATUS_KIND.active:
        return ACTIVE;
      case STATUS_KIND["external-join-pending"]:
        return { kind: "external-join-pending", commit: r.field("commit", () => opaque.decode(r)) };
      case STATUS_KIND.removed:
        return { kind: "removed", epoch: r.field("epoch", () => r.uint64()) };
      case STATUS_KIND.closed: {
        const reasonAt = r.offset;
        const bytes = r.field("reason", () => r.opaque());
        let reason: string;
        try {
          reason = UTF8.decode(bytes);
        } catch {
          return r.field("reason", () => r.fail("codec/invalid-value", "the reason is not UTF-8", reasonAt));
        }
        return { kind: "closed", reason };
      }
      default:
        return r.fail("codec/invalid-value", `unknown status kind ${kind}`, at);
    }
  });
}
