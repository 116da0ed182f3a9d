import { describe, expect, it } from "vitest";
import { listOfNames, printable, renderError, renderJoined, renderMembersChanged, renderMessage, renderRemoved } from "./render.js";

const room = "ab12cd34ef567890";

describe("rendering events", () => {
  it("messages as [room] sender: text", () => {
    expect(renderMessage({ groupId: room, sender: "bob", data: new TextEncoder().encode("hi there"), epoch: 3n })).toBe("[ab12cd34] bob: hi there");
  });

  it("a message cannot repaint the terminal", () => {
    expect(printable("a\u001b[2Jb\u0007c\td")).toBe("a?[2Jb?c\td");
    expect(renderMessage({ groupId: room, sender: "bob", data: new TextEncoder().encode("x\u001b]0;owned\u0007"), epoch: 1n })).toBe("[ab12cd34] bob: x?]0;owned?");
  });

  it("joins, member changes and removal", () => {
    expect(renderJoined({ groupId: room, by: "alice", epoch: 1n })).toBe("[ab12cd34] you joined room ab12cd34 (added by alice)");
    expect(renderMembersChanged({ groupId: room, added: ["bob"], removed: [], epoch: 1n })).toBe("[ab12cd34] bob joined the room");
    expect(renderMembersChanged({ groupId: room, added: ["bob", "carol", "dave"], removed: ["erin"], epoch: 2n })).toBe(
      "[ab12cd34] bob, carol and dave joined the room; erin left the room",
    );
    expect(renderRemoved({ groupId: room, epoch: 4n })).toBe("[ab12cd34] you are no longer in room ab12cd34");
  });

  it("errors in plain words", () => {
    expect(renderError({ code: "ds-client/network", message: "fetch failed", cause: new Error("x") })).toBe(
      "problem: the server cannot be reached: check that it is running and the address is right",
    );
    expect(renderError({ groupId: room, code: "crypto/aead-open", message: "tag mismatch" })).toBe("[ab12cd34] problem: a message could not be decrypted");
  });

  it("lists of names", () => {
    expect(listOfNames([])).toBe("");
    expect(listOfNames(["a"])).toBe("a");
    expect(listOfNames(["a", "b"])).toBe("a and b");
  });
});
