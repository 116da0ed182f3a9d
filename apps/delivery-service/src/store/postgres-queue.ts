/**
 * The PostgreSQL store's delivery queues: batched fetches and acks (one
 * statement per batch, see pg-batch.ts) and retention pruning.
 */
import type { RetentionPolicy, StoredQueueItem } from "./ds-store.js";
import { NAME, type PgQueries, type Row, queueItemOfRow } from "./postgres-rows.js";
import { checkCount, countOf } from "./rows.js";
import { DsStoreError } from "./store-error.js";

/** The advisory lock of pruneQueues: one prune at a time across nodes (any fixed number; "mlsds" + 2). */
const PRUNE_LOCK = "7884803922882199554"; // 0x6d6c736473000002

/** One turn's fetches in one statement, one snapshot: each one's entries and pruned mark agree (a prune in between cannot make a false "truncated"). */
export async function fetchQueues(
  db: PgQueries,
  reads: readonly { clientId: string; after: number; limit: number }[],
): Promise<{ items: StoredQueueItem[]; truncated: boolean }[]> {
  const rows = await db.query(
    "fetching queues",
    `SELECT v.i, p.through, q.seq, q.kind, q.group_id, q.epoch::text AS epoch, q.sender, q.message, q.ratchet_tree
     FROM unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS v(client_id, after, lim, i)
     LEFT JOIN ds_queue_pruned p ON p.client_id = v.client_id
     LEFT JOIN LATERAL (
       SELECT seq, kind, group_id, epoch, sender, message, ratchet_tree FROM ds_queue
       WHERE client_id = v.client_id AND seq > v.after ORDER BY seq LIMIT v.lim
     ) q ON true
     ORDER BY v.i, q.seq`,
    [reads.map((r) => r.clientId), reads.map((r) => r.after), reads.map((r) => r.limit)],
  );
  const results = reads.map(() => ({ items: [] as StoredQueueItem[], prunedThrough: 0 }));
  for (const r of rows) {
    const result = results[countOf(r["i"], "a read's index") - 1];
    if (result === undefined) throw new DsStoreError("store/corrupt", `${NAME}: a queue read came back for no request`);
    const through = r["through"];
    if (through !== null && through !== undefined) result.prunedThrough = countOf(through, "a queue's pruned mark");
    if (r["seq"] === null) continue;
    result.items.push(queueItemOfRow(r));
  }
  return results.map((r, i) => ({ items: r.items, truncated: r.prunedThrough > reads[i]!.after }));
}

/** One batch of acks in one statement: each client's highest cursor. */
export async function ackQueues(db: PgQueries, acks: readonly { clientId: string; upTo: number }[]): Promise<void[]> {
  const highest = new Map<string, number>();
  for (const a of acks) highest.set(a.clientId, Math.max(a.upTo, highest.get(a.clientId) ?? 0));
  const ids = [...highest.keys()].sort();
  await db.query("acknowledging queues", "SELECT ds_ack($1::text[], $2::bigint[])", [ids, ids.map((id) => highest.get(id))]);
  return acks.map(() => undefined);
}

export async function pruneQueues(db: PgQueries, policy: RetentionPolicy, now: number): Promise<number> {
  const cap = checkCount(policy.maxPerClient, "maxPerClient");
  const markPruned = `INSERT INTO ds_queue_pruned (client_id, through) SELECT client_id, max(seq) FROM dropped GROUP BY client_id
     ON CONFLICT (client_id) DO UPDATE SET through = GREATEST(ds_queue_pruned.through, EXCLUDED.through)`;
  return db.transaction("pruning queues", async (c) => {
    // One prune at a time across nodes; appenders never wait for it (it locks no counter).
    await c.query(`SELECT pg_advisory_xact_lock(${PRUNE_LOCK})`);
    const aged = await c.query<Row>(
      `WITH dropped AS (DELETE FROM ds_queue WHERE enqueued_at < $1 RETURNING client_id, seq),
            marked AS (${markPruned})
       SELECT count(*) AS n FROM dropped`,
      [now - policy.maxAgeMs],
    );
    // The oldest go first: a client's entries through the highest one over the cap are exactly the ones over it.
    const capped = await c.query<Row>(
      `WITH over AS (
              SELECT client_id, max(seq) AS through FROM (
                SELECT client_id, seq, row_number() OVER (PARTITION BY client_id ORDER BY seq DESC) AS rank FROM ds_queue
              ) r WHERE rank > $1 GROUP BY client_id),
            dropped AS (DELETE FROM ds_queue q USING over o WHERE q.client_id = o.client_id AND q.seq <= o.through RETURNING q.client_id, q.seq),
            marked AS (${markPruned})
       SELECT count(*) AS n FROM dropped`,
      [cap],
    );
    return countOf(aged.rows[0]?.["n"], "a pruned count") + countOf(capped.rows[0]?.["n"], "a pruned count");
  });
}
