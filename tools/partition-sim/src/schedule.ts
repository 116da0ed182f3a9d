/**
 * The partition simulation's schedule: per phase, a seeded partition of the
 * servers into components, rounds of Commits and messages on every side,
 * then a heal (everything replicates, everybody reads, re-proposals go out,
 * one round of messages, history sharing when on) and the convergence check.
 */
import { toHex } from "@mlskit/codec";
import type { ClientDriver } from "./driver.js";

/** Every phase of the run: how many heals there were and after how many every active member was on one epoch authenticator. */
export async function runPhases(sim: ClientDriver): Promise<{ heals: number; converged: number }> {
  const { config, rand, pick, trace, names, S, serverOf } = sim;
  const groups = sim.groups;
  const sharing = config.historySharing === true;
  const active = (): number[] => sim.active();
  const all = Array.from({ length: S }, (_, i) => i);
  let heals = 0;
  let converged = 0;
  for (let phase = 0; phase < config.phases; phase++) {
    // Partition the servers into 2 (or, with 3+ servers, sometimes 3) non-empty components.
    const k = S >= 3 && rand() < 0.3 ? 3 : Math.min(2, S);
    const shuffled = [...all].sort(() => rand() - 0.5);
    const components: number[][] = Array.from({ length: k }, (_, i) => [shuffled[i]!]);
    for (const s of shuffled.slice(k)) pick(components).push(s);
    const rounds = 1 + Math.floor(rand() * (config.maxRoundsApart ?? 3));
    trace?.(
      `phase ${phase}: components ${components
        .map(
          (x) =>
            `[servers ${x.join(",")}: ${active()
              .filter((c) => x.includes(serverOf(c)))
              .map((c) => names[c])
              .join(",")}]`,
        )
        .join(" ")}, ${rounds} rounds`,
    );
    for (let round = 0; round < rounds; round++) {
      for (const component of components) {
        const here = active().filter((c) => component.includes(serverOf(c)));
        if (here.length === 0) continue;
        // At most one Commit per component per round (from a random member), messages from others.
        if (rand() < 0.6) await sim.commit(pick(here), true);
        for (const c of here) if (rand() < 0.5) await sim.send(c, `p${phase} r${round} from ${names[c]}`);
        await sim.settleComponent(component);
      }
    }
    // Heal: everything replicates, everybody reads; re-proposals go out; then one round of messages.
    heals++;
    await sim.settleComponent(all);
    for (const c of active()) for (const p of await groups[c]!.forkReproposals()) sim.post(c, p.message);
    await sim.settleComponent(all);
    for (const c of active()) await sim.send(c, `after heal ${phase} from ${names[c]}`);
    await sim.settleComponent(all);
    if (sharing) await sim.shareLostBranches();
    const auths = new Set(active().map((c) => toHex(groups[c]!.epochAuthenticator)));
    if (auths.size === 1) converged++;
    trace?.(
      `heal ${phase}: ${auths.size === 1 ? "converged" : "NOT converged"}: ${active()
        .map((c) => `${names[c]}@${groups[c]!.epoch}:${toHex(groups[c]!.epochAuthenticator).slice(0, 8)}`)
        .join(" ")}`,
    );
    // Re-proposed changes get committed (by the lowest active member that may commit), while still connected.
    for (const committer of active()) {
      if (groups[committer]!.pendingProposals === 0) break;
      if (await sim.commit(committer, false)) {
        await sim.settleComponent(all);
        break;
      }
    }
  }
  return { heals, converged };
}
