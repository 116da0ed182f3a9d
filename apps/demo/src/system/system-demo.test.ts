import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Servers, startServers } from "./servers.js";
import { systemDemo } from "./system-demo.js";

describe("the main demo: AS and DS on SQLite, five people over HTTP and WebSocket", () => {
  let dir: string;
  let servers: Servers;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mlskit-demo-test-"));
    servers = await startServers(dir, "demo-test-token");
  });
  afterAll(async () => {
    await servers?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("settles the race, catches a restarted member up, and locks the removed one out", async () => {
    const lines: string[] = [];
    const result = await systemDemo((l) => lines.push(l), servers, dir);
    expect(result.agree).toBe(true);
    expect(result.finalEpoch).toBe(4n);
    expect(result.members).toEqual(["alice", "bob", "carol", "erin"]);
    expect(result.race.bobAdded).toEqual(["dave"]);
    expect(result.race.carolAdded).toEqual(["erin"]);
    expect(result.race.refused).toBeGreaterThanOrEqual(1);
    expect(result.caughtUp).toEqual(["alice: carol, are you there?", "erin: thanks for the invitation"]);
    expect(result.readAfterRemoval).toEqual([]);
    expect(result.refusedToDave).toBe("group/not-member");
    expect(lines.join("\n")).not.toContain("DISAGREE");
  });
});
