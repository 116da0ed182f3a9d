/**
 * The Delivery Service's answers, checked before use: the DS is not trusted
 * with anything but ordering and delivery (RFC 9750 §5, §8), so a body that
 * does not have the protocol's shape is a `ds-client/bad-answer`, never a
 * half-read value. Bytes are decoded from base64, epochs from decimal.
 */
import {
  type ClaimKeyPackageResponse,
  type GroupInfoResponse,
  type GroupMembersResponse,
  type HandshakeHistory,
  type KeyPackageCount,
  type QueueBatch,
  type QueueItem,
  type SubmitMessageResponse,
  fromBase64,
  parseClientId,
} from "@mlskit/ds-protocol";
import { fromHex } from "@mlskit/codec";
import { DsClientError } from "./errors.js";
import { expectDefined } from "@mlskit/core";

/** A queue item with its bytes decoded. */
export interface ReceivedItem {
  readonly seq: number;
  readonly kind: QueueItem["kind"];
  readonly groupId: Uint8Array;
  /** Lowercase hex of `groupId`. */
  readonly groupIdHex: string;
  readonly epoch: bigint;
  readonly sender: string;
  readonly message: Uint8Array;
  readonly ratchetTree: Uint8Array | undefined;
}

/** A batch of the caller's queue. */
export interface ReceivedBatch {
  readonly items: readonly ReceivedItem[];
  readonly truncated: boolean;
}

/** A handshake message of the group's history. */
export interface HistoryItem {
  readonly epoch: bigint;
  readonly sender: string;
  readonly message: Uint8Array;
}

function bad(what: string, cause?: unknown): never {
  throw new DsClientError("ds-client/bad-answer", `the Delivery Service's answer is malformed: ${what}`, cause === undefined ? {} : { cause });
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) bad(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function bytes(value: unknown, what: string): Uint8Array {
  try {
    return fromBase64(value, what);
  } catch (e) {
    return bad(`${what} is not base64`, e);
  }
}

function optionalBytes(value: unknown, what: string): Uint8Array | undefined {
  return value === undefined || value === null ? undefined : bytes(value, what);
}

/** A decimal uint64 epoch. */
function epochOf(value: unknown, what = "epoch"): bigint {
  if (typeof value !== "string" || !/^\d{1,20}$/.test(value)) bad(`${what} is not a decimal epoch`);
  const n = BigInt(value);
  if (n >= 1n << 64n) bad(`${what} is out of range`);
  return n;
}

function clientId(value: unknown, what: string): string {
  try {
    return parseClientId(value, what);
  } catch (e) {
    return bad(`${what} is not a client id`, e);
  }
}

function bool(value: unknown, what: string): boolean {
  if (typeof value !== "boolean") bad(`${what} is not a boolean`);
  return value;
}

function count(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) bad(`${what} is not a count`);
  return value;
}

function array(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) bad(`${what} is not an array`);
  return value;
}

const HEX = /^(?:[0-9a-f]{2})+$/;

/** A {@link KeyPackageCount}. */
export function parseKeyPackageCount(body: unknown): KeyPackageCount {
  const b = record(body, "key package count");
  return { cipherSuite: count(b.cipherSuite, "cipherSuite"), available: count(b.available, "available"), lastResort: bool(b.lastResort, "lastResort") };
}

/** A {@link ClaimKeyPackageResponse}, its KeyPackage decoded. */
export function parseClaim(body: unknown): { readonly keyPackage: Uint8Array; readonly lastResort: boolean } {
  const b = record(body, "claimed key package") as Partial<Record<keyof ClaimKeyPackageResponse, unknown>>;
  return { keyPackage: bytes(b.keyPackage, "keyPackage"), lastResort: b.lastResort === undefined ? false : bool(b.lastResort, "lastResort") };
}

/** A {@link SubmitMessageResponse}: the group's epoch after the message. */
export function parseSubmit(body: unknown): bigint {
  const b = record(body, "submit answer") as Partial<Record<keyof SubmitMessageResponse, unknown>>;
  return epochOf(b.epoch);
}

/** A {@link HandshakeHistory}. */
export function parseHistory(body: unknown): HistoryItem[] {
  const b = record(body, "handshake history") as Partial<Record<keyof HandshakeHistory, unknown>>;
  return array(b.items, "items").map((raw, i) => {
    const it = record(raw, `items[${i}]`);
    return { epoch: epochOf(it.epoch, `items[${i}].epoch`), sender: clientId(it.sender, `items[${i}].sender`), message: bytes(it.message, `items[${i}].message`) };
  });
}

/** A {@link GroupInfoResponse}. */
export function parseGroupInfo(body: unknown): { readonly epoch: bigint; readonly groupInfo: Uint8Array; readonly ratchetTree: Uint8Array | undefined } {
  const b = record(body, "group info") as Partial<Record<keyof GroupInfoResponse, unknown>>;
  return { epoch: epochOf(b.epoch), groupInfo: bytes(b.groupInfo, "groupInfo"), ratchetTree: optionalBytes(b.ratchetTree, "ratchetTree") };
}

/** A {@link GroupMembersResponse}. */
export function parseMembers(body: unknown): { readonly epoch: bigint; readonly members: readonly string[] } {
  const b = record(body, "group members") as Partial<Record<keyof GroupMembersResponse, unknown>>;
  return { epoch: epochOf(b.epoch), members: array(b.members, "members").map((m, i) => clientId(m, `members[${i}]`)) };
}

/** One {@link QueueItem}. */
function parseQueueItem(raw: unknown, what = "item"): ReceivedItem {
  const it = record(raw, what);
  const seq = count(it.seq, `${what}.seq`);
  if (it.kind !== "welcome" && it.kind !== "handshake" && it.kind !== "application") bad(`${what}.kind is not welcome, handshake or application`);
  if (typeof it.groupId !== "string" || !HEX.test(it.groupId)) bad(`${what}.groupId is not lowercase hex`);
  return {
    seq,
    kind: it.kind,
    groupId: fromHex(it.groupId),
    groupIdHex: it.groupId,
    epoch: epochOf(it.epoch, `${what}.epoch`),
    sender: clientId(it.sender, `${what}.sender`),
    message: bytes(it.message, `${what}.message`),
    ratchetTree: optionalBytes(it.ratchetTree, `${what}.ratchetTree`),
  };
}

/** A {@link QueueBatch}; its items must come in strictly increasing `seq` order. */
export function parseQueueBatch(body: unknown): ReceivedBatch {
  const b = record(body, "queue batch") as Partial<Record<keyof QueueBatch, unknown>>;
  const items = array(b.items, "items").map((raw, i) => parseQueueItem(raw, `items[${i}]`));
  for (let i = 1; i < items.length; i++)
    if (expectDefined(items[i], "items[i]").seq <= expectDefined(items[i - 1], "items[i - 1]").seq) bad("items are not in increasing seq order");
  return { items, truncated: b.truncated === undefined ? false : bool(b.truncated, "truncated") };
}

/** A server → client stream frame (`items` or `error`); anything else is a bad answer. */
export function parseStreamFrame(
  text: unknown,
): { readonly type: "items"; readonly batch: ReceivedBatch } | { readonly type: "error"; readonly error: string; readonly message: string } {
  if (typeof text !== "string") bad("a stream frame is not text");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    bad("a stream frame is not JSON", e);
  }
  const f = record(value, "stream frame");
  if (f.type === "items") return { type: "items", batch: parseQueueBatch(f) };
  if (f.type === "error")
    return { type: "error", error: typeof f.error === "string" ? f.error : "internal/failed", message: typeof f.message === "string" ? f.message : "stream error" };
  return bad("a stream frame's type is not items or error");
}
