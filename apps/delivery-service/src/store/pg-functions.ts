/**
 * The PostgreSQL store's hot-path functions (schema version 2): each is one
 * round trip from the DS instead of one per statement.
 *
 * `ds_append` is `appendMessage` whole — the same steps, in the same order,
 * under the same locks as the statements it replaces:
 * 1. the group's row `FOR UPDATE` (the ordering point: a second Commit for
 *    this epoch waits here, then finds its epoch stale);
 * 2. the epoch check (a refusal writes nothing);
 * 3. the members (read after the lock: every membership change holds it);
 * 4. the handshake history row;
 * 5. the recipients' counters, upserted in byte-wise (`COLLATE "C"`)
 *    client-id order — every node locks them in one order, so two appends
 *    never deadlock, and each is held until commit, so a client's seqs
 *    commit in increasing order — and the queue entries with the seqs taken
 *    (a client's message entry before its Welcome);
 * 6. a Commit's membership change, new epoch, view, GroupInfo and tree;
 * 7. `pg_notify` of the recipients, chunked under PostgreSQL's 8000-byte
 *    payload limit, delivered to the other nodes only at commit.
 * Being one statement it is one transaction: all or nothing. `p_fail_at`
 * raises at the named step (the `faults` option's tests of atomicity).
 *
 * `ds_remember_nonces` and `ds_ack` take a batch (the calls of one turn of
 * the event loop) and commit with `synchronous_commit = off`, for their own
 * transaction only. The trade-off: a crash may lose the last ~0.6 s
 * (3 × wal_writer_delay) of these commits, never an append's (those stay
 * synchronous, answered only once durable). A lost ack only means a
 * redelivery, which clients skip by seq; a lost nonce only reopens a replay
 * window for a request whose signed timestamp must still be fresh (the auth
 * hook refuses one older than the clock-skew window), so a replay is only
 * possible within that window and only across a database crash. Neither
 * can reorder, lose or duplicate a queue entry.
 */

/** The SQLSTATE `ds_append` raises for a Commit in the last uint64 epoch (store/invalid-input). */
export const NO_NEXT_EPOCH = "ML001";

/** The steps `ds_append` can be made to fail at, in order (the `faults` option). */
export const APPEND_STEPS = ["handshake", "queue", "members", "group", "welcome"] as const;

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; this leaves room (as postgres-notify.ts). */
const MAX_PAYLOAD_BYTES = 7900;

export const PG_FUNCTIONS_V2 = `
CREATE OR REPLACE FUNCTION ds_append(
  p_group BYTEA, p_epoch NUMERIC, p_kind TEXT, p_sender TEXT, p_message BYTEA, p_now BIGINT,
  p_commit BOOLEAN, p_added TEXT[], p_removed TEXT[], p_view BYTEA, p_group_info BYTEA, p_ratchet_tree BYTEA, p_welcome BYTEA,
  p_channel TEXT, p_node TEXT, p_fail_at TEXT,
  OUT o_status TEXT, OUT o_epoch TEXT, OUT o_recipients TEXT[])
LANGUAGE plpgsql AS $fn$
DECLARE
  v_current NUMERIC;
  v_members TEXT[];
  v_new NUMERIC;
  v_chunk TEXT[] := '{}';
  v_base INTEGER;
  v_len INTEGER;
  v_size INTEGER;
  v_id TEXT;
BEGIN
  SELECT g.epoch INTO v_current FROM ds_groups g WHERE g.group_id = p_group FOR UPDATE;
  IF NOT FOUND THEN
    o_status := 'unknown-group'; o_epoch := '0'; RETURN;
  END IF;
  IF p_epoch < v_current THEN
    o_status := 'stale-epoch'; o_epoch := v_current::text; RETURN;
  END IF;
  IF p_epoch > v_current THEN
    o_status := 'future-epoch'; o_epoch := v_current::text; RETURN;
  END IF;
  IF p_commit AND p_epoch >= 18446744073709551615 THEN
    RAISE EXCEPTION 'a Commit in the last uint64 epoch has no next epoch' USING ERRCODE = '${NO_NEXT_EPOCH}';
  END IF;
  v_new := CASE WHEN p_commit THEN p_epoch + 1 ELSE p_epoch END;
  SELECT coalesce(array_agg(m.client_id), '{}') INTO v_members FROM ds_group_members m WHERE m.group_id = p_group;

  IF p_kind = 'handshake' THEN
    INSERT INTO ds_handshakes (group_id, epoch, sender, message) VALUES (p_group, p_epoch, p_sender, p_message);
  END IF;
  IF p_fail_at = 'handshake' THEN RAISE EXCEPTION 'injected failure at handshake'; END IF;

  WITH entries AS (
         SELECT m.id AS client_id, 0 AS ord, p_kind AS kind, p_epoch AS epoch, p_message AS message, NULL::bytea AS ratchet_tree
         FROM (SELECT DISTINCT u AS id FROM unnest(v_members) u WHERE u <> p_sender) m
         UNION ALL
         SELECT a.id, 1, 'welcome', v_new, p_welcome, p_ratchet_tree
         FROM (SELECT DISTINCT u AS id FROM unnest(p_added) u) a WHERE p_commit AND p_welcome IS NOT NULL),
       counts AS (SELECT e.client_id, count(*)::bigint AS n FROM entries e GROUP BY e.client_id),
       bumped AS (
         INSERT INTO ds_queue_counters AS qc (client_id, seq)
         SELECT c.client_id, c.n FROM counts c ORDER BY c.client_id COLLATE "C"
         ON CONFLICT (client_id) DO UPDATE SET seq = qc.seq + EXCLUDED.seq
         RETURNING qc.client_id, qc.seq),
       queued AS (
         INSERT INTO ds_queue (client_id, seq, kind, group_id, epoch, sender, message, ratchet_tree, enqueued_at)
         SELECT e.client_id, b.seq - c.n + row_number() OVER (PARTITION BY e.client_id ORDER BY e.ord),
                e.kind, p_group, e.epoch, p_sender, e.message, e.ratchet_tree, p_now
         FROM entries e JOIN counts c ON c.client_id = e.client_id JOIN bumped b ON b.client_id = e.client_id
         RETURNING client_id)
  SELECT coalesce(array_agg(DISTINCT q.client_id), '{}') INTO o_recipients FROM queued q;
  IF p_fail_at = 'queue' THEN RAISE EXCEPTION 'injected failure at queue'; END IF;

  IF p_commit THEN
    IF cardinality(p_removed) > 0 THEN
      DELETE FROM ds_group_members m WHERE m.group_id = p_group AND m.client_id = ANY(p_removed);
    END IF;
    IF cardinality(p_added) > 0 THEN
      INSERT INTO ds_group_members (group_id, client_id) SELECT p_group, unnest(p_added) ON CONFLICT DO NOTHING;
    END IF;
    IF p_fail_at = 'members' THEN RAISE EXCEPTION 'injected failure at members'; END IF;
    -- Every field of the new epoch comes from the Commit: an old epoch's GroupInfo or tree would mislead a joiner.
    UPDATE ds_groups g SET epoch = v_new, view = p_view, group_info = p_group_info, ratchet_tree = p_ratchet_tree WHERE g.group_id = p_group;
    IF p_fail_at = 'group' THEN RAISE EXCEPTION 'injected failure at group'; END IF;
    IF p_fail_at = 'welcome' THEN RAISE EXCEPTION 'injected failure at welcome'; END IF;
  END IF;

  -- The payload {"n": node, "c": [ids]} as postgres-notify.ts reads it; sizes counted on the encoded JSON, with room for separators.
  v_base := octet_length(json_build_object('n', p_node, 'c', ARRAY[]::text[])::text);
  v_len := v_base;
  FOREACH v_id IN ARRAY o_recipients LOOP
    v_size := octet_length(to_json(v_id)::text) + 2;
    IF cardinality(v_chunk) > 0 AND v_len + v_size > ${MAX_PAYLOAD_BYTES} THEN
      PERFORM pg_notify(p_channel, json_build_object('n', p_node, 'c', v_chunk)::text);
      v_chunk := '{}';
      v_len := v_base;
    END IF;
    v_chunk := v_chunk || v_id;
    v_len := v_len + v_size;
  END LOOP;
  IF cardinality(v_chunk) > 0 THEN
    PERFORM pg_notify(p_channel, json_build_object('n', p_node, 'c', v_chunk)::text);
  END IF;
  o_status := 'accepted';
  o_epoch := v_new::text;
END
$fn$;

CREATE OR REPLACE FUNCTION ds_remember_nonces(p_clients TEXT[], p_nonces TEXT[], p_expires BIGINT[], p_now BIGINT, p_prune BOOLEAN)
RETURNS TABLE (client_id TEXT, nonce TEXT)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  -- This transaction only (see pg-functions.ts: a lost nonce reopens a replay window the request's timestamp still bounds).
  PERFORM set_config('synchronous_commit', 'off', true);
  IF p_prune THEN
    DELETE FROM ds_nonces n WHERE n.expires_at <= p_now;
  END IF;
  -- An expired nonce may be taken again: the request's own timestamp window refuses a replay that old.
  -- Inserted in one order on every node (two batches sharing nonces wait for each other instead of deadlocking).
  RETURN QUERY
    INSERT INTO ds_nonces AS n (client_id, nonce, expires_at)
    SELECT v.c, v.k, v.e FROM unnest(p_clients, p_nonces, p_expires) AS v(c, k, e) ORDER BY v.c COLLATE "C", v.k COLLATE "C"
    ON CONFLICT ON CONSTRAINT ds_nonces_pkey DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE n.expires_at <= p_now
    RETURNING n.client_id, n.nonce;
END
$fn$;

CREATE OR REPLACE FUNCTION ds_ack(p_clients TEXT[], p_up_to BIGINT[])
RETURNS VOID
LANGUAGE plpgsql AS $fn$
BEGIN
  -- This transaction only (see pg-functions.ts: a lost ack is a redelivery that clients skip).
  PERFORM set_config('synchronous_commit', 'off', true);
  DELETE FROM ds_queue q USING unnest(p_clients, p_up_to) AS v(c, u) WHERE q.client_id = v.c AND q.seq <= v.u;
END
$fn$;
`;
