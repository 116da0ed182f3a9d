import { describe, expect, it } from "vitest";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { walkthrough } from "./walkthrough.js";

describe("demo walkthrough", () => {
  it("runs end to end and prints no raw secret", async () => {
    const lines: string[] = [];
    await walkthrough(nobleCryptoProvider(), 1, (l) => lines.push(l));
    const text = lines.join("\n");
    expect(text).toContain("verify: valid");
    expect(text).toContain("tampered content: rejected");
    expect(text).toContain('Bob decrypts: "path secret for bob"');
    expect(text).toMatch(/epoch_authenticator [0-9a-f]{64}/);
    // Secrets appear only as 12-hex-digit fingerprints.
    expect(text).toMatch(/encryption_secret\s+#[0-9a-f]{12}\n/);
  });
});
