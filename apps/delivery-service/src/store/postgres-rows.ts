/**
 * The PostgreSQL store's values at the driver boundary: what goes in
 * (Node Buffers for bytea) and the rows that come back, mapped to the
 * store's records (checked by rows.ts: a row that cannot be read back as
 * written is `store/corrupt`).
 */
import type pg from "pg";
import type { GroupRecord, RegisteredClient, StoredQueueItem } from "./ds-store.js";
import { bytesOf, countOf, epochOfDecimal, kindOf, optionalBytesOf, textOf } from "./rows.js";
import { DsStoreError } from "./store-error.js";

/** The store's name in error messages. */
export const NAME = "postgres ds store";

export type Row = Record<string, unknown>;

/** How the query modules reach the database: through the store, which checks it is open and maps errors. */
export interface PgQueries {
  /** One statement on any pooled connection. */
  query(doing: string, text: string, values: unknown[]): Promise<Row[]>;
  /** `fn` in one transaction on one connection: committed when it returns, rolled back when it throws. */
  transaction<T>(doing: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T>;
}

/** Node Buffers at the driver boundary: node-postgres sends a Buffer as bytea. */
export function buf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function optionalBuf(bytes: Uint8Array | undefined): Buffer | null {
  return bytes === undefined ? null : buf(bytes);
}

/** A `ds_clients` row. */
export function clientOfRow(row: Row): RegisteredClient {
  return {
    clientId: textOf(row["client_id"], "a client id"),
    cipherSuite: countOf(row["cipher_suite"], "a client's cipher suite"),
    signaturePublicKey: bytesOf(row["signature_public_key"], "a client's key"),
    credential: bytesOf(row["credential"], "a client's credential"),
  };
}

/** A `ds_groups` row with its `members` array. */
export function groupOfRow(groupId: Uint8Array, row: Row): GroupRecord {
  const members = row["members"];
  if (!Array.isArray(members)) throw new DsStoreError("store/corrupt", `${NAME}: a group's members are not a list`);
  return {
    groupId: groupId.slice(),
    epoch: epochOfDecimal(row["epoch"], "a group's epoch"),
    members: members.map((m) => textOf(m, "a member id")),
    view: optionalBytesOf(row["view"], "a group's view"),
    groupInfo: optionalBytesOf(row["group_info"], "a group's GroupInfo"),
    ratchetTree: optionalBytesOf(row["ratchet_tree"], "a group's ratchet tree"),
  };
}

/** A `ds_handshakes` row. */
export function handshakeOfRow(r: Row): { epoch: bigint; sender: string; message: Uint8Array } {
  return {
    epoch: epochOfDecimal(r["epoch"], "a handshake's epoch"),
    sender: textOf(r["sender"], "a handshake's sender"),
    message: bytesOf(r["message"], "a handshake message"),
  };
}

/** A `ds_queue` row. */
export function queueItemOfRow(r: Row): StoredQueueItem {
  return {
    seq: countOf(r["seq"], "a queue seq"),
    kind: kindOf(r["kind"], "a queue entry's kind"),
    groupId: bytesOf(r["group_id"], "a queue entry's group"),
    epoch: epochOfDecimal(r["epoch"], "a queue entry's epoch"),
    sender: textOf(r["sender"], "a queue entry's sender"),
    message: bytesOf(r["message"], "a queued message"),
    ratchetTree: optionalBytesOf(r["ratchet_tree"], "a queued ratchet tree"),
  };
}

export function copyClient(c: RegisteredClient): RegisteredClient {
  return { clientId: c.clientId, cipherSuite: c.cipherSuite, signaturePublicKey: c.signaturePublicKey.slice(), credential: c.credential.slice() };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
