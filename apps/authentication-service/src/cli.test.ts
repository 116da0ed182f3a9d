import { describe, expect, it } from "vitest";
import { parseCli } from "./cli.js";

describe("the command line", () => {
  it("reads port, data dir, token and the optional settings", () => {
    expect(parseCli(["--port", "0", "--data-dir", "/tmp/x", "--admin-token", "t", "--ca-name", "Acme", "--lifetime-days", "7"])).toEqual({
      port: 0,
      dataDir: "/tmp/x",
      adminToken: "t",
      caName: "Acme",
      certificateLifetimeDays: 7,
    });
    expect(parseCli(["--data-dir", "d"], { MLSKIT_AS_ADMIN_TOKEN: "from-env" })).toEqual({ port: 8444, dataDir: "d", adminToken: "from-env" });
  });

  it("refuses a missing data dir or token, a bad port or lifetime, an unknown flag", () => {
    expect(() => parseCli(["--admin-token", "t"])).toThrow(/--data-dir/);
    expect(() => parseCli(["--data-dir", "d"])).toThrow(/--admin-token/);
    expect(() => parseCli(["--data-dir", "d", "--admin-token", "t", "--port", "70000"])).toThrow(/--port/);
    expect(() => parseCli(["--data-dir", "d", "--admin-token", "t", "--lifetime-days", "0"])).toThrow(/--lifetime-days/);
    expect(() => parseCli(["--data-dir", "d", "--admin-token", "t", "--verbose"])).toThrow();
  });
});
