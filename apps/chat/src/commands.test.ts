import { describe, expect, it } from "vitest";
import { parseCommand } from "./commands.js";

describe("chat command line", () => {
  it("reads commands and messages", () => {
    expect(parseCommand("  ")).toBeUndefined();
    expect(parseCommand("hello there")).toEqual({ kind: "say", text: "hello there" });
    expect(parseCommand("/create team")).toEqual({ kind: "create", name: "team" });
    expect(parseCommand("/create")).toEqual({ kind: "create", name: undefined });
    expect(parseCommand("/invite bob carol")).toEqual({ kind: "invite", clientIds: ["bob", "carol"] });
    expect(parseCommand("/REMOVE bob")).toEqual({ kind: "remove", clientIds: ["bob"] });
    expect(parseCommand("/switch ab12")).toEqual({ kind: "switch", room: "ab12" });
    expect(parseCommand("/members")).toEqual({ kind: "members" });
  });
  it("explains what is wrong with a bad command", () => {
    expect(parseCommand("/invite")).toMatchObject({ kind: "invalid", reason: expect.stringContaining("at least one") });
    expect(parseCommand("/invite b@d!")).toMatchObject({ kind: "invalid", reason: expect.stringContaining("not a valid name") });
    expect(parseCommand("/members now")).toMatchObject({ kind: "invalid" });
    expect(parseCommand("/frobnicate")).toMatchObject({ kind: "invalid", reason: expect.stringContaining("unknown command") });
  });
});
