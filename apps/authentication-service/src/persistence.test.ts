/** The CA and the issued certificates survive a restart on the same SQLite file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fetchTrustAnchors, registerWithAuthority } from "../../../packages/ds-client/src/authentication/index.js";
import { ADMIN_TOKEN, startService } from "./service.fixture.js";
import { sqliteAsStore } from "./sqlite-store.js";

const dir = mkdtempSync(join(tmpdir(), "mlskit-as-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("persistence", () => {
  it("a restarted service keeps its root, intermediate and the client bindings", async () => {
    const file = join(dir, "as.sqlite");
    const first = await startService({ store: sqliteAsStore(file) });
    const anchors = await fetchTrustAnchors(first.url);
    const alice = await registerWithAuthority({ asUrl: first.url, clientId: "alice", registrationToken: ADMIN_TOKEN });
    await first.close();

    const second = await startService({ store: sqliteAsStore(file) });
    expect(await fetchTrustAnchors(second.url)).toEqual(anchors);
    // Same issuing CA; the binding of alice to her key is remembered.
    const renewed = await registerWithAuthority({ asUrl: second.url, clientId: "alice", registrationToken: ADMIN_TOKEN, signatureKeyPair: alice.signatureKeyPair });
    expect(renewed.certificateChain[1]).toEqual(alice.certificateChain[1]);
    const refused = await registerWithAuthority({ asUrl: second.url, clientId: "alice", registrationToken: ADMIN_TOKEN }).catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe("client/already-registered");
    expect(second.store.listIssued().map((i) => i.clientId)).toEqual(["alice", "alice"]);
    await second.close();
  });

  it("two stores in memory have different CAs", async () => {
    const a = await startService();
    const b = await startService();
    expect(await fetchTrustAnchors(a.url)).not.toEqual(await fetchTrustAnchors(b.url));
    await a.close();
    await b.close();
  });
});
