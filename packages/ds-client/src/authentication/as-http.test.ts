import { DsError } from "@mlskit/ds-protocol";
import { describe, expect, it } from "vitest";
import { fetchTrustAnchors } from "./trust-anchors.js";
import { registerWithAuthority } from "./register-with-authority.js";
import type { FetchFunction } from "./as-http.js";

const answer =
  (status: number, body: string): FetchFunction =>
  async () =>
    new Response(body, { status, headers: { "content-type": "application/json" } });

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DsError);
  return (e as DsError).code;
}

describe("answers of the Authentication Service", () => {
  it("an error body becomes its DsError; an unknown code internal/failed", async () => {
    const body = JSON.stringify({ error: "auth/forbidden", message: "no" });
    expect(await codeOf(fetchTrustAnchors("http://as.example", { fetch: answer(403, body) }))).toBe("auth/forbidden");
    expect(await codeOf(fetchTrustAnchors("http://as.example", { fetch: answer(502, "<html>bad gateway</html>") }))).toBe("internal/failed");
  });

  it("an unreachable service or a malformed answer is internal/failed", async () => {
    const unreachable: FetchFunction = async () => {
      throw new TypeError("fetch failed");
    };
    expect(await codeOf(fetchTrustAnchors("http://as.example", { fetch: unreachable }))).toBe("internal/failed");
    expect(await codeOf(fetchTrustAnchors("http://as.example", { fetch: answer(200, "{}") }))).toBe("internal/failed");
    expect(await codeOf(fetchTrustAnchors("http://as.example", { fetch: answer(200, '{"anchors":["%%"]}') }))).toBe("internal/failed");
    const registration = registerWithAuthority({ asUrl: "http://as.example", clientId: "alice", registrationToken: "t", fetch: answer(200, '{"certificateChain":[]}') });
    expect(await codeOf(registration)).toBe("internal/failed");
  });

  it("requests go under the base URL's path, with the bearer token; a bad client id is refused before sending", async () => {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const recording: FetchFunction = async (url, init) => {
      seen.push({ url, init });
      return new Response(JSON.stringify({ certificateChain: ["AAEC"] }), { status: 200 });
    };
    const r = await registerWithAuthority({ asUrl: "https://host/auth/", clientId: "alice", registrationToken: "tok", fetch: recording });
    expect(r.certificateChain).toEqual([new Uint8Array([0, 1, 2])]);
    expect(seen[0]!.url).toBe("https://host/auth/as/v1/clients");
    expect((seen[0]!.init!.headers as Record<string, string>).authorization).toBe("Bearer tok");
    const body = JSON.parse(seen[0]!.init!.body as string) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["clientId", "proof", "signaturePublicKey", "signatureScheme"]);
    expect(body.signatureScheme).toBe(0x0807);
    expect(await codeOf(registerWithAuthority({ asUrl: "https://host", clientId: "a/b", registrationToken: "tok", fetch: recording }))).toBe("client/bad-id");
    expect(seen).toHaveLength(1);
  });
});
