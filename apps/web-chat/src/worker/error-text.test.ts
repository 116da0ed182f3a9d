import { DsError } from "@mlskit/ds-protocol";
import { describe, expect, it } from "vitest";
import { ChatError } from "./chat-error.js";
import { errorText, errorView, inviteFailureText } from "./error-text.js";

describe("error texts", () => {
  it("known codes become sentences without the code", () => {
    expect(errorText(new DsError("client/already-registered", "x"))).toBe("That name is already taken by someone else: pick another one.");
    expect(errorText(new DsError("auth/forbidden", "x"))).toMatch(/^The registration token was not accepted/);
    expect(errorView(new DsError("internal/failed", "x"))).toEqual({ code: "internal/failed", text: "The chat server cannot be reached: check that it is running and try again." });
  });

  it("the chat's own errors keep their message; unknown codes are shown as words; no stack", () => {
    expect(errorText(new ChatError("web-chat/token-needed", "the first sign-in needs the registration token"))).toBe("The first sign-in needs the registration token.");
    expect(errorText({ code: "group/odd-thing", message: "something odd\n    at f (x.js:1)" })).toBe("Something odd (group: odd thing).");
    expect(errorText(new TypeError("Failed to fetch"))).toMatch(/cannot be reached/);
  });

  it("invite failures name the person", () => {
    expect(inviteFailureText("zed", "key-package/unknown-client")).toBe("Nobody called “zed” has signed in to this chat yet: they must sign in once before they can be invited.");
    expect(inviteFailureText("bob", "key-package/none-left")).toMatch(/^You cannot invite bob right now/);
    expect(inviteFailureText("bob", "weird/code")).toBe("Could not invite bob (weird: code).");
  });
});
