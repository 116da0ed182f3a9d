/**
 * The main demo, end to end over real sockets: the AS and the DS on SQLite,
 * five people registering, a room created, invitations, chat, two Commits
 * for one epoch settled by the DS, a person stopping and catching up from
 * their SQLite file, a removal, and every member agreeing on the epoch
 * authenticator at the end.
 */
import { Participant, waitFor } from "./participant.js";
import type { Servers } from "./servers.js";

/** What the run established, for its test. */
export interface SystemDemoResult {
  readonly finalEpoch: bigint;
  readonly members: string[];
  /** Every remaining member computed the same epoch authenticator. */
  readonly agree: boolean;
  /** What carol read after her restart, in order. */
  readonly caughtUp: string[];
  /** What dave read after his removal (must be nothing). */
  readonly readAfterRemoval: string[];
  /** The DS's answer to dave asking for the room's history after his removal. */
  readonly refusedToDave: string;
  /** The racing invitations: who each added, and how many submissions the DS refused for a stale epoch. */
  readonly race: { readonly bobAdded: readonly string[]; readonly carolAdded: readonly string[]; readonly refused: number };
}

const NAMES = ["alice", "bob", "carol", "dave", "erin"] as const;

export async function systemDemo(print: (line: string) => void, servers: Servers, dir: string): Promise<SystemDemoResult> {
  print(`\n== 1. Five people register with the AS (an X.509 certificate each) and connect to the DS`);
  const people = new Map<string, Participant>();
  for (const name of NAMES) {
    people.set(name, await Participant.register(name, servers, dir));
    print(`   ${name}: certificate issued for its Ed25519 key, KeyPackages published, WebSocket open`);
  }
  const [alice, bob, carol, dave, erin] = NAMES.map((n) => people.get(n)!) as [Participant, Participant, Participant, Participant, Participant];
  const count = await alice.messenger.connection.keyPackageCount(1);
  print(`   the DS holds ${count.available} KeyPackages of alice (and a last-resort one: ${count.lastResort})`);

  try {
    print(`\n== 2. alice creates a room and invites bob and carol (one Commit, one Welcome)`);
    const room = await alice.messenger.createRoom();
    const invited = await alice.messenger.invite(room, ["bob", "carol"]);
    print(`   room ${room.slice(0, 12)}…: added ${invited.added.join(", ")}`);
    await waitFor("bob and carol to join", () => bob.events.joined.length > 0 && carol.events.joined.length > 0);
    print(`   bob and carol joined from the Welcome; members: ${(await alice.messenger.members(room)).join(", ")}`);

    print(`\n== 3. They chat`);
    await alice.messenger.send(room, "hello bob and carol!");
    await bob.messenger.send(room, "hi alice");
    await waitFor("the messages to arrive", () => carol.read(room).length === 2 && alice.read(room).length === 1);
    for (const p of [alice, bob, carol])
      print(
        `   ${p.name} read: ${p
          .read(room)
          .map((l) => `"${l}"`)
          .join(", ")}`,
      );

    print(`\n== 4. bob invites dave and carol invites erin at the same moment: two Commits for epoch ${await bob.epoch(room)}`);
    const [byBob, byCarol] = await Promise.all([bob.messenger.invite(room, ["dave"]), carol.messenger.invite(room, ["erin"])]);
    print(`   bob's Commit added ${byBob.added.join(", ") || "nobody"}; carol's added ${byCarol.added.join(", ") || "nobody"}`);
    await waitFor("dave and erin to join", () => dave.events.joined.length > 0 && erin.events.joined.length > 0);
    const epochs = await Promise.all([alice, bob, carol, dave, erin].map((p) => p.epoch(room)));
    const refused = bob.conflicts + carol.conflicts;
    print(`   the DS accepted one Commit per epoch and refused ${refused} (409 group/stale-epoch): the loser processed the winner, rebuilt its Commit and was accepted next`);
    print(`   everyone is now at epoch ${epochs.join("/")} with members ${(await alice.messenger.members(room)).join(", ")}`);
    if (new Set(epochs).size !== 1) throw new Error(`the members disagree on the epoch after the race: ${epochs.join("/")}`);

    print(`\n== 5. carol stops (her state is only in ${"carol.sqlite"} now); alice and erin write meanwhile`);
    await carol.stop();
    await alice.messenger.send(room, "carol, are you there?");
    await erin.messenger.send(room, "thanks for the invitation");
    await waitFor("bob to read them", () => bob.read(room).length === 3);
    const before = carol.read(room).length;
    await carol.start();
    await waitFor("carol to catch up", () => carol.read(room).length === before + 2);
    const caughtUp = carol.read(room).slice(before);
    print(`   carol starts again from her SQLite file and catches up: ${caughtUp.map((l) => `"${l}"`).join(", ")}`);

    print(`\n== 6. alice removes dave; dave can no longer read the room`);
    const removal = await alice.messenger.remove(room, ["dave"]);
    await waitFor("dave to learn of his removal", () => dave.events.removed.length > 0);
    print(`   removed: ${removal.removed.join(", ")}; dave was told (epoch ${dave.events.removed[0]!.epoch})`);
    const daveRead = dave.read(room).length;
    await alice.messenger.send(room, "dave can't read this");
    await waitFor("the others to read it", async () => {
      for (const p of [bob, carol, erin]) if (!p.read(room).includes("alice: dave can't read this")) return false;
      return true;
    });
    await dave.messenger.sync();
    const readAfterRemoval = dave.read(room).slice(daveRead);
    print(`   bob, carol and erin read "dave can't read this"; dave received ${readAfterRemoval.length} messages after his removal`);
    const refusedToDave = await dave.messenger.connection.handshakes(room, 0n).then(
      () => "nothing: the DS answered (must not happen)",
      (e: { code?: string }) => String(e.code),
    );
    print(`   dave asks the DS for the room's history: ${refusedToDave}`);

    print(`\n== 7. Everyone left agrees`);
    const stayed = [alice, bob, carol, erin];
    const auths = await Promise.all(stayed.map((p) => p.epochAuthenticator(room)));
    const agree = auths.every((a) => a === auths[0]);
    const finalEpoch = await alice.epoch(room);
    for (const [i, p] of stayed.entries()) print(`   ${p.name}: epoch ${await p.epoch(room)}, epoch authenticator ${auths[i]!.slice(0, 16)}…`);
    print(agree ? "   all four computed the same epoch authenticator" : "   DISAGREE: the members' states differ");
    const errors = stayed.flatMap((p) => p.events.error.map((e) => `${p.name}: ${e.code}`));
    if (errors.length > 0) print(`   (errors reported along the way: ${errors.join("; ")})`);
    return {
      finalEpoch,
      members: await alice.messenger.members(room),
      agree,
      caughtUp,
      readAfterRemoval,
      refusedToDave,
      race: { bobAdded: byBob.added, carolAdded: byCarol.added, refused },
    };
  } finally {
    for (const p of people.values()) await p.stop().catch(() => undefined);
  }
}
