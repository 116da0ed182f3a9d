/**
 * Smoke test of the load generator (correctness, not speed): the real AS
 * and DS as child processes on SQLite, 2 groups of 3 members, 2 seconds at
 * 20 messages/s — every accepted message reaches every other member of its
 * group exactly once.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { saturation, withSession } from "./index.js";
import { AS_MAIN, DS_MAIN } from "./servers.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

beforeAll(() => {
  // CI's typecheck builds the apps before the tests; build them here when their dist is missing.
  for (const [main, app] of [
    [AS_MAIN, "apps/authentication-service"],
    [DS_MAIN, "apps/delivery-service"],
  ] as const) {
    if (existsSync(main)) continue;
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-b", app], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`building ${app} failed:\n${r.stdout}${r.stderr}`);
  }
}, 180_000);

describe("load generator", () => {
  it("SQLite, low rate: nothing lost, nothing duplicated, no errors", async () => {
    const result = await withSession({ backend: "sqlite", groups: 2, members: 3 }, (session) => session.run({ rate: 20, durationS: 2, graceMs: 5_000 }));
    expect(result.sent).toBe(40);
    expect(result.accepted).toBe(40);
    expect(result.errors).toBe(0);
    expect(result.expectedDeliveries).toBe(40 * 2);
    expect(result.deliveries).toBe(40 * 2);
    expect(result.lost).toBe(0);
    expect(result.duplicated).toBe(0);
    expect(result.misdelivered).toBe(0);
    expect(result.streamErrors).toBe(0);
    expect(result.p50).toBeGreaterThan(0);
    expect(result.max).toBeGreaterThanOrEqual(result.p99);
    // At 20 msg/s the DS keeps up (a loose bound: the machine is shared).
    expect(saturation(result, { minAchievedShare: 0.5, maxP99Ms: 5_000 })).toBeUndefined();
  }, 120_000);
});
