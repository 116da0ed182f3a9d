import { DsClientError } from "@mlskit/ds-client";
import { DS_ERROR_CODES, DsError } from "@mlskit/ds-protocol";
import { describe, expect, it } from "vitest";
import { errorText, inviteFailureText } from "./error-text.js";

describe("error texts", () => {
  it("invite failures name the person and what they must do", () => {
    expect(inviteFailureText("bob", "key-package/unknown-client")).toBe("bob has no KeyPackages published: they must run the chat once first");
    expect(inviteFailureText("bob", "key-package/none-left")).toContain("bob has no KeyPackages left");
    expect(inviteFailureText("bob", "ds-client/foreign-key-package")).toContain("not theirs");
    expect(inviteFailureText("bob", "something/odd-thing")).toBe("bob could not be invited (something: odd thing)");
  });

  it("service and client errors become sentences", () => {
    expect(errorText(new DsError("auth/forbidden", "bad token"))).toContain("refused the registration token");
    expect(errorText(new DsError("client/already-registered", "x"))).toContain("already registered");
    expect(errorText(new DsClientError("ds-client/network", "ECONNREFUSED after 5 attempts"))).toContain("cannot be reached");
    expect(errorText(new DsClientError("ds-client/unknown-room", "no group abc"))).toBe("you are not in that room (any more)");
    expect(errorText(new DsError("internal/failed", "the Authentication Service at http://x/as/v1/trust-anchors cannot be reached"))).toBe(
      "the Authentication Service at http://x/as/v1/trust-anchors cannot be reached",
    );
    expect(errorText(new DsError("internal/failed", "HTTP 500"))).toContain("the server failed");
    expect(errorText({ code: "storage/failed", message: "SQLITE_BUSY" })).toContain("another chat running");
  });

  it("every code the DS and AS answer with has its own sentence", () => {
    const generic = DS_ERROR_CODES.filter((c) => errorText(new DsError(c, "raw text")).includes("raw text"));
    // Protocol errors a well-behaved client never causes keep the server's words (with the code in plain words).
    expect(
      generic.every((c) =>
        /^(request\/malformed|key-package\/(malformed|invalid)|group\/(wrong-group|invalid-group-info|not-a-group-message|malformed-message)|queue\/bad-cursor)$/.test(c),
      ),
    ).toBe(true);
  });

  it("an unknown error keeps its first line, never a stack", () => {
    const e = new Error("first line\nsecond line");
    expect(errorText(e)).toBe("first line");
    expect(errorText({ code: "group/some-new-thing", message: "x" })).toBe("x (group: some new thing)");
    expect(errorText({ code: "group/some-new-thing" })).toBe("an unexpected failure (group: some new thing)");
    expect(errorText(Object.assign(new Error("the thing broke"), { code: "x/y-z" }))).toBe("the thing broke (x: y z)");
    expect(errorText(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:9") }))).toContain("cannot be reached");
    expect(errorText("plain")).toBe("plain");
    expect(errorText(undefined)).toBe("an unexpected failure");
  });
});
