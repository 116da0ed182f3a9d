import { describe, expect, it } from "vitest";
import { ChatOptionsError, parseChatOptions } from "./cli-options.js";

const parse = (args: string[], env: Record<string, string> = {}) => parseChatOptions(args, env, "/home/me");

function reason(args: string[]): string {
  try {
    parse(args);
  } catch (e) {
    expect(e).toBeInstanceOf(ChatOptionsError);
    return (e as Error).message;
  }
  throw new Error("no error");
}

describe("chat options", () => {
  it("defaults: the AS at the DS's origin, the token from the environment, the data dir under ./.mlskit-chat", () => {
    expect(parse(["--server", "http://127.0.0.1:8080/", "--name", "alice"], { MLSKIT_AS_TOKEN: "tok" })).toEqual({
      serverUrl: "http://127.0.0.1:8080",
      asUrl: "http://127.0.0.1:8080",
      token: "tok",
      name: "alice",
      dataDir: "/home/me/.mlskit-chat/alice",
    });
  });

  it("explicit values win; a relative data dir is resolved", () => {
    const o = parse(["--server", "https://ds.example", "--as", "https://as.example/auth", "--token", "t", "--name", "bob.phone", "--data-dir", "state/bob"], {
      MLSKIT_AS_TOKEN: "env",
    });
    expect(o).toEqual({ serverUrl: "https://ds.example", asUrl: "https://as.example/auth", token: "t", name: "bob.phone", dataDir: "/home/me/state/bob" });
    expect(parse(["--server", "http://x", "--name", "a"]).token).toBeUndefined();
  });

  it("says what is missing or wrong", () => {
    expect(reason(["--name", "alice"])).toContain("--server is required");
    expect(reason(["--server", "http://x"])).toContain("--name is required");
    expect(reason(["--server", "localhost:8080", "--name", "a"])).toContain("--server must be");
    expect(reason(["--server", "ftp://x", "--name", "a"])).toContain("http:// or https://");
    expect(reason(["--server", "http://x", "--as", "nope", "--name", "a"])).toContain("--as must be");
    expect(reason(["--server", "http://x", "--name", "a/b"])).toContain("not a valid name");
    expect(reason(["--server", "http://x", "--name", "a", "--colour"])).toMatch(/colour/);
    expect(reason(["--server", "http://x", "--name", "a", "extra"])).toMatch(/extra|positional/i);
  });
});
