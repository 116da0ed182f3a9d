/**
 * Runs in the browser (bundled by run.ts): every provider's conformance
 * checks for every suite it serves there, then a group conversation through
 * the `@mlskit/mls` facade on each provider, then the IndexedDB storage
 * checks (storage.ts). The outcome is published on
 * `window.mlskitBrowserCheck` for the runner to read.
 */
import { BasicIdentityProvider, type CryptoProvider, acceptAll } from "@mlskit/core";
import { cipherSuiteConformance } from "@mlskit/core/conformance";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { Client, type Group } from "@mlskit/mls";
import { atRestChecks } from "./at-rest.js";
import { storageChecks } from "./storage.js";

/** What the page reports. */
export interface BrowserCheckResult {
  readonly userAgent: string;
  readonly lines: string[];
  readonly failures: string[];
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function conformance(provider: CryptoProvider, lines: string[], failures: string[]): Promise<void> {
  for (const suite of await provider.supportedCipherSuites()) {
    const cs = await provider.cipherSuite(suite);
    let passed = 0;
    // crypto.subtle alone cannot tell an EdDSA encoding that is no point (with a fallback, noble does).
    const checks = cipherSuiteConformance(cs, provider.name === "webcrypto" ? { decodesEdDsaKeys: false } : {});
    for (const c of checks) {
      try {
        await c.run();
        passed++;
      } catch (e) {
        failures.push(`${provider.name} ${c.name}: ${(e as Error).message}`);
      }
    }
    lines.push(`conformance ${provider.name} suite 0x${suite.toString(16).padStart(4, "0")}: ${passed}/${checks.length} passed`);
  }
}

async function conversation(provider: CryptoProvider, lines: string[]): Promise<void> {
  const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
  const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((identity) => Client.create({ identity, identityProvider, crypto: provider })));
  const a = await alice!.createGroup();
  const add = await a.addMembers([(await bob!.createKeyPackage()).keyPackage, (await carol!.createKeyPackage()).keyPackage]);
  await a.confirmPendingCommit();
  const b = await bob!.joinFromWelcome(add.welcome!);
  const c = await carol!.joinFromWelcome(add.welcome!);
  const expectText = async (g: Group, m: Uint8Array, want: string) => {
    const r = await g.processIncoming(m);
    if (r.kind !== "application" || text(r.data) !== want) throw new Error(`expected "${want}", got ${r.kind}`);
  };
  await expectText(b, await a.encrypt("hello from alice"), "hello from alice");
  await expectText(a, await b.encrypt("hi alice"), "hi alice");
  const u = await b.update();
  await b.confirmPendingCommit();
  for (const g of [a, c]) {
    const r = await g.processIncoming(u.commit);
    if (r.kind !== "commit") throw new Error("expected a commit");
    await r.staged.merge();
  }
  const rm = await a.removeMembers(["carol"]);
  await a.confirmPendingCommit();
  const rb = await b.processIncoming(rm.commit);
  if (rb.kind === "commit") await rb.staged.merge();
  const burst = await a.encryptMany(["one", "two", "three"]);
  const read = await b.processIncomingMany(burst);
  if (read.some((r) => r.status !== "fulfilled")) throw new Error("a message of the burst was not read");
  const agree = [a, b].every((g) => g.epoch === a.epoch && text(g.epochAuthenticator) === text(a.epochAuthenticator));
  if (!agree) throw new Error("members disagree on the epoch authenticator");
  lines.push(`conversation ${provider.name}: epoch ${a.epoch}, ${(await a.members()).length} members, all agree`);
}

async function main(): Promise<BrowserCheckResult> {
  const lines: string[] = [];
  const failures: string[] = [];
  const providers = [nobleCryptoProvider(), webCryptoProvider(), webCryptoProvider({ fallback: noblePrimitives() })];
  for (const p of providers) {
    try {
      await conformance(p, lines, failures);
      await conversation(p, lines);
    } catch (e) {
      failures.push(`${p.name}: ${(e as Error).stack ?? String(e)}`);
    }
  }
  try {
    await storageChecks(lines, failures);
  } catch (e) {
    failures.push(`storage: ${(e as Error).stack ?? String(e)}`);
  }
  try {
    await atRestChecks(lines, failures);
  } catch (e) {
    failures.push(`at-rest: ${(e as Error).stack ?? String(e)}`);
  }
  return { userAgent: navigator.userAgent, lines, failures };
}

(globalThis as { mlskitBrowserCheck?: Promise<BrowserCheckResult> }).mlskitBrowserCheck = main();
