/** The seeded multi-party scenario (scenario.fixture.ts) with each provider. */
import { describe, expect, it } from "vitest";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { runScenario } from "./scenario.fixture.js";

const OPERATIONS = Number(globalThis.process?.env?.MLS_SCENARIO_OPS ?? 250);

describe.each([
  ["noble", () => nobleCryptoProvider(), "public" as const, 20240611],
  ["webcrypto", () => webCryptoProvider({ fallback: noblePrimitives() }), "private" as const, 77],
])("multi-party scenario through the facade (%s)", (name, provider, wire, seed) => {
  it(`${OPERATIONS} seeded operations: every member agrees after every epoch; removed members read nothing later`, async () => {
    const stats = await runScenario({ crypto: provider(), seed, operations: OPERATIONS, clients: 9, initialMembers: 5, handshakeWireFormat: wire });
    console.log(`[scenario] ${name} (${wire} handshakes, seed ${seed}): ${JSON.stringify(stats)}`);
    expect(stats.operations).toBe(OPERATIONS);
    expect(stats.maxMembers).toBeGreaterThanOrEqual(5);
    expect(stats.epochs).toBeGreaterThan(OPERATIONS / 3);
    expect(stats.lateReceived).toBeGreaterThan(0);
    expect(stats.outOfOrder).toBeGreaterThan(0);
    expect(stats.commitsRejected).toBeGreaterThan(0);
    expect(stats.removedChecks).toBeGreaterThan(0);
    expect(stats.proposalsByReference).toBeGreaterThan(0);
  }, 600_000);
});
