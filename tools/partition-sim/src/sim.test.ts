import { describe, expect, it } from "vitest";
import { simulate } from "./sim.js";

describe("partition simulation (issue 16)", () => {
  it("after every heal every member converges on one epoch authenticator; no lost membership change is dropped", async () => {
    for (const seed of [1, 2, 3]) {
      const r = await simulate({ seed, servers: 3, clients: 5, phases: 2, guests: 1 });
      expect(r.converged, `seed ${seed}`).toBe(r.heals);
      expect(r.lostDropped, `seed ${seed}`).toBe(0);
      expect(r.maxRollback).toBeLessThanOrEqual(5);
      expect(r.read + r.lost).toBe(r.expected);
    }
  });

  it("with history sharing on, every application message is read by every member it was due to (0 lost)", async () => {
    for (const seed of [1, 2, 3]) {
      // No guests: a member removed before it read is not a member any more, and history is never shared with a non-member.
      const r = await simulate({ seed, servers: 3, clients: 5, phases: 2, guests: 0, historySharing: true });
      expect(r.converged, `seed ${seed}`).toBe(r.heals);
      expect(r.lost, `seed ${seed}`).toBe(0);
      expect(r.read, `seed ${seed}`).toBe(r.expected);
    }
    // With guests removed on either branch: every member still active in the end read everything due to it.
    const lostByMembers: unknown[] = [];
    const r = await simulate({ seed: 4, servers: 3, clients: 5, phases: 2, guests: 1, historySharing: true, onLost: (l) => void (l.recipientActive && lostByMembers.push(l)) });
    expect(r.converged).toBe(r.heals);
    expect(lostByMembers).toEqual([]);
  });

  it("with readAcrossFork, messages of losing branches are read", async () => {
    const r = await simulate({ seed: 7, servers: 2, clients: 4, phases: 2, forks: { readAcrossFork: { epochs: 4 } } });
    expect(r.converged).toBe(r.heals);
    expect(r.read + r.lost).toBe(r.expected);
  });

  it("is deterministic: a seed reproduces a run exactly (seeded randomness for the provider, test-only)", async () => {
    const run = async () => {
      const lines: string[] = [];
      const r = await simulate({ seed: 5, servers: 3, clients: 4, phases: 2, guests: 1, trace: (l) => lines.push(l) });
      return { r, lines };
    };
    const [x, y] = [await run(), await run()];
    expect(y.r).toEqual(x.r);
    expect(y.lines).toEqual(x.lines); // every Commit, fork and epoch authenticator
    expect(x.r.converged).toBe(x.r.heals);
  });
});
