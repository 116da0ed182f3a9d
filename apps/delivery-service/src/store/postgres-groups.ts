/**
 * The PostgreSQL store's group records outside the append path: creating a
 * group, reading it with its members, and its handshake history.
 */
import { checkEpoch } from "./append-plan.js";
import type { GroupRecord } from "./ds-store.js";
import { type PgQueries, buf, groupOfRow, handshakeOfRow, optionalBuf } from "./postgres-rows.js";
import { checkCount } from "./rows.js";

/** Byte-wise order of client ids, the same on every node whatever the database's collation. */
const BY_ID = `COLLATE "C"`;

export async function createGroup(db: PgQueries, group: GroupRecord): Promise<boolean> {
  const epoch = checkEpoch(group.epoch, "the group's epoch").toString();
  return db.transaction("creating a group", async (c) => {
    const inserted = await c.query(
      "INSERT INTO ds_groups (group_id, epoch, view, group_info, ratchet_tree) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (group_id) DO NOTHING RETURNING 1",
      [buf(group.groupId), epoch, optionalBuf(group.view), optionalBuf(group.groupInfo), optionalBuf(group.ratchetTree)],
    );
    if (inserted.rowCount !== 1) return false;
    await c.query("INSERT INTO ds_group_members (group_id, client_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING", [buf(group.groupId), [...group.members]]);
    return true;
  });
}

export async function getGroup(db: PgQueries, groupId: Uint8Array): Promise<GroupRecord | undefined> {
  // One statement, one snapshot: the group and its members as of the same commit.
  const [row] = await db.query(
    "reading a group",
    `SELECT g.epoch::text AS epoch, g.view, g.group_info, g.ratchet_tree,
            ARRAY(SELECT m.client_id FROM ds_group_members m WHERE m.group_id = g.group_id ORDER BY m.client_id ${BY_ID}) AS members
     FROM ds_groups g WHERE g.group_id = $1`,
    [buf(groupId)],
  );
  if (row === undefined) return undefined;
  return groupOfRow(groupId, row);
}

export async function handshakesSince(db: PgQueries, groupId: Uint8Array, fromEpoch: bigint, limit: number): Promise<{ epoch: bigint; sender: string; message: Uint8Array }[]> {
  const rows = await db.query(
    "reading handshake history",
    "SELECT epoch::text AS epoch, sender, message FROM ds_handshakes WHERE group_id = $1 AND epoch >= $2 ORDER BY id LIMIT $3",
    [buf(groupId), checkEpoch(fromEpoch, "fromEpoch").toString(), checkCount(limit, "limit")],
  );
  return rows.map(handshakeOfRow);
}
