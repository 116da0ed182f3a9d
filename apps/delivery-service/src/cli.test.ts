import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCli } from "./cli.js";
import { trustAnchorsFromFile } from "./trust-anchors.js";

describe("mlskit-ds command line", () => {
  it("reads --db, --trust-anchors / --as-url, --port, --log", () => {
    expect(parseCli(["--db", "sqlite:/tmp/ds.db", "--trust-anchors", "ca.pem"])).toEqual({
      port: 0,
      db: { kind: "sqlite", path: "/tmp/ds.db" },
      trust: { kind: "file", path: "ca.pem" },
      log: false,
    });
    expect(parseCli(["--db", "postgres://u@h/db", "--as-url", "http://127.0.0.1:8444", "--port", "8443", "--log", "--body-limit", "2048"])).toEqual({
      port: 8443,
      db: { kind: "postgres", connectionString: "postgres://u@h/db" },
      trust: { kind: "as", url: "http://127.0.0.1:8444" },
      log: true,
      bodyLimit: 2048,
    });
  });

  it("refuses what is missing or wrong", () => {
    expect(() => parseCli(["--trust-anchors", "x"])).toThrow(/--db/);
    expect(() => parseCli(["--db", "mysql://x", "--trust-anchors", "x"])).toThrow(/--db/);
    expect(() => parseCli(["--db", "sqlite:x"])).toThrow(/exactly one/);
    expect(() => parseCli(["--db", "sqlite:x", "--trust-anchors", "a", "--as-url", "b"])).toThrow(/exactly one/);
    expect(() => parseCli(["--db", "sqlite:x", "--trust-anchors", "a", "--port", "70000"])).toThrow(/--port/);
    expect(() => parseCli(["--db", "sqlite:x", "--trust-anchors", "a", "--host", "0.0.0.0"])).toThrow();
  });

  it("reads trust anchors as PEM or JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlskit-ds-cli-"));
    try {
      const pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
      writeFileSync(join(dir, "a.pem"), pem + pem);
      expect(await trustAnchorsFromFile(join(dir, "a.pem"))).toHaveLength(2);
      writeFileSync(join(dir, "a.json"), JSON.stringify({ anchors: ["AAEC"] }));
      expect(await trustAnchorsFromFile(join(dir, "a.json"))).toEqual([new Uint8Array([0, 1, 2])]);
      writeFileSync(join(dir, "b.json"), JSON.stringify({ anchors: [] }));
      await expect(trustAnchorsFromFile(join(dir, "b.json"))).rejects.toThrow(/anchors/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
