/**
 * The PostgreSQL store's append: one call of the function `ds_append`
 * (pg-functions.ts), which orders the message, writes its entries and the
 * Commit's effects and sends the cross-node NOTIFY in one transaction.
 */
import type pg from "pg";
import { sortedDistinct } from "./append-plan.js";
import type { AppendInput, AppendResult } from "./ds-store.js";
import { APPEND_STEPS, NO_NEXT_EPOCH } from "./pg-functions.js";
import { NAME, type Row, buf, optionalBuf } from "./postgres-rows.js";
import { epochOfDecimal, textOf } from "./rows.js";
import { DsStoreError, storeErrorOf } from "./store-error.js";

/** The first append step the test hook `faults` throws at (where `ds_append` raises), or null. */
export function failingStep(faults: ((step: string) => void) | undefined): string | null {
  for (const step of faults === undefined ? [] : APPEND_STEPS) {
    try {
      faults!(step);
    } catch {
      return step;
    }
  }
  return null;
}

/** The append, committed or refused; `notify` is who has new entries (byte-wise sorted, distinct), empty when refused. */
export async function dsAppend(pool: pg.Pool, input: AppendInput, channel: string, node: string, failAt: string | null): Promise<{ result: AppendResult; notify: string[] }> {
  const commit = input.commit;
  let row: Row | undefined;
  try {
    [row] = (
      await pool.query<Row>(
        `SELECT o_status, o_epoch, o_recipients FROM ds_append($1, $2::numeric, $3, $4, $5, $6, $7, $8::text[], $9::text[], $10, $11, $12, $13, $14, $15, $16)`,
        [
          buf(input.groupId),
          input.epoch.toString(),
          input.kind,
          input.sender,
          buf(input.message),
          input.now,
          commit !== undefined,
          [...(commit?.added ?? [])],
          [...(commit?.removed ?? [])],
          optionalBuf(commit?.view),
          optionalBuf(commit?.groupInfo),
          optionalBuf(commit?.ratchetTree),
          optionalBuf(commit?.welcome),
          channel,
          node,
          failAt,
        ],
      )
    ).rows;
  } catch (e) {
    if (typeof e === "object" && e !== null && (e as { code?: unknown }).code === NO_NEXT_EPOCH) {
      throw new DsStoreError("store/invalid-input", "a Commit in the last uint64 epoch has no next epoch");
    }
    throw storeErrorOf(e, NAME, "appending a message");
  }
  const status = row?.["o_status"];
  const epoch = epochOfDecimal(row?.["o_epoch"], "a group's epoch");
  if (status === "unknown-group" || status === "stale-epoch" || status === "future-epoch") {
    return { result: { accepted: false, reason: status, currentEpoch: status === "unknown-group" ? 0n : epoch }, notify: [] };
  }
  if (status !== "accepted") throw new DsStoreError("store/corrupt", `${NAME}: ds_append answered ${String(status)}`);
  const recipients = row?.["o_recipients"];
  if (!Array.isArray(recipients)) throw new DsStoreError("store/corrupt", `${NAME}: ds_append's recipients are not a list`);
  return { result: { accepted: true, epoch }, notify: sortedDistinct(recipients.map((r) => textOf(r, "a recipient id"))) };
}
