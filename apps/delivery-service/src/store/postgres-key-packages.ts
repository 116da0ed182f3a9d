/**
 * The PostgreSQL store's KeyPackage directory: publishing (one-time
 * KeyPackages and a client's last-resort one per cipher suite), claiming and
 * counting.
 */
import type { DirectoryKeyPackage } from "./ds-store.js";
import { type PgQueries, buf } from "./postgres-rows.js";
import { bytesOf, countOf } from "./rows.js";

export async function publishKeyPackages(
  db: PgQueries,
  clientId: string,
  cipherSuite: number,
  keyPackages: readonly DirectoryKeyPackage[],
  lastResort?: DirectoryKeyPackage,
): Promise<void> {
  return db.transaction("publishing KeyPackages", async (c) => {
    if (keyPackages.length > 0) {
      await c.query(
        `INSERT INTO ds_key_packages (client_id, cipher_suite, ref, bytes)
         SELECT $1, $2, k.ref, k.bytes FROM unnest($3::bytea[], $4::bytea[]) WITH ORDINALITY AS k(ref, bytes, i) ORDER BY k.i
         ON CONFLICT (ref) DO NOTHING`,
        [clientId, cipherSuite, keyPackages.map((k) => buf(k.ref)), keyPackages.map((k) => buf(k.bytes))],
      );
    }
    if (lastResort !== undefined) {
      await c.query(
        `INSERT INTO ds_last_resort_key_packages (client_id, cipher_suite, ref, bytes) VALUES ($1, $2, $3, $4)
         ON CONFLICT (client_id, cipher_suite) DO UPDATE SET ref = EXCLUDED.ref, bytes = EXCLUDED.bytes`,
        [clientId, cipherSuite, buf(lastResort.ref), buf(lastResort.bytes)],
      );
    }
  });
}

export async function claimKeyPackage(db: PgQueries, clientId: string, cipherSuite: number): Promise<{ bytes: Uint8Array; lastResort: boolean } | undefined> {
  // SKIP LOCKED: concurrent claimers each take a different row instead of queueing on the oldest one.
  const [claimed] = await db.query(
    "claiming a KeyPackage",
    `DELETE FROM ds_key_packages WHERE id = (
       SELECT id FROM ds_key_packages WHERE client_id = $1 AND cipher_suite = $2 ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1
     ) RETURNING bytes`,
    [clientId, cipherSuite],
  );
  if (claimed !== undefined) return { bytes: bytesOf(claimed["bytes"], "a KeyPackage"), lastResort: false };
  const [kept] = await db.query("claiming a KeyPackage", "SELECT bytes FROM ds_last_resort_key_packages WHERE client_id = $1 AND cipher_suite = $2", [clientId, cipherSuite]);
  return kept === undefined ? undefined : { bytes: bytesOf(kept["bytes"], "a last-resort KeyPackage"), lastResort: true };
}

export async function countKeyPackages(db: PgQueries, clientId: string, cipherSuite: number): Promise<{ available: number; lastResort: boolean }> {
  const [row] = await db.query(
    "counting KeyPackages",
    `SELECT (SELECT count(*) FROM ds_key_packages WHERE client_id = $1 AND cipher_suite = $2) AS n,
            EXISTS (SELECT 1 FROM ds_last_resort_key_packages WHERE client_id = $1 AND cipher_suite = $2) AS last_resort`,
    [clientId, cipherSuite],
  );
  return { available: countOf(row?.["n"], "a KeyPackage count"), lastResort: row?.["last_resort"] === true };
}
