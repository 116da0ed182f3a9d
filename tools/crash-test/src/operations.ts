/**
 * The worker's random operations, each journaled as one operation: send
 * (one message or a burst), receive (a client's backlog, whole or in part,
 * one by one or in a batch), commit (add from a KeyPackage with a Welcome,
 * remove, update), two Commits racing for one epoch, publishing a
 * KeyPackage, and replaying old messages. Members stay between
 * {@link MIN_MEMBERS} and {@link MAX_MEMBERS}, removed clients are added
 * back later, so every client keeps taking part.
 */
import { WireFormat } from "@mlskit/core";
import { decodeMlsMessage } from "@mlskit/group";
import type { CommitOutput, Group } from "@mlskit/mls";
import { CLIENT_NAMES, GROUPS, MAX_MEMBERS, MIN_MEMBERS } from "./config.js";
import type { CommitExtras, Membership } from "./delivery-service.js";
import { authenticatorOf, catchUp, errorCode, groupIdBytes } from "./member.js";
import { emptyTally, replayTo } from "./replay.js";
import type { Dice } from "./rng.js";
import { type World, clientOf } from "./world.js";

let sent = 0;

/** The epoch in a group message's header. */
function epochOf(bytes: Uint8Array): number {
  const m = decodeMlsMessage(bytes);
  if (m.wireFormat === WireFormat.mls_private_message) return Number(m.privateMessage.epoch);
  if (m.wireFormat === WireFormat.mls_public_message) return Number(m.publicMessage.content.epoch);
  throw new Error("not a group message");
}

/** Creates the groups the DS does not know yet (the first run, or a crash before the DS heard of one). */
export async function ensureGroups(w: World): Promise<void> {
  for (const { id, creator } of GROUPS) {
    if (w.ds.epoch(id) !== undefined) continue;
    await w.journal.around("create-group", async () => {
      w.journal.phase("library");
      // A group of this id left by a crash before the DS heard of it is replaced.
      const g = await clientOf(w, creator).createGroup({ groupId: groupIdBytes(id) });
      w.journal.phase("ds");
      w.ds.createGroup(id, creator, authenticatorOf(g));
    });
  }
}

/** Members that have joined and can act. */
function active(w: World, gid: string): Membership[] {
  return w.ds.members(gid).filter((m) => m.welcomeAcked && !m.broken);
}

/** Runs one random operation. Unexpected failures are reported as violations, and the loop goes on. */
export async function step(w: World, d: Dice): Promise<void> {
  const gid = d.pick(GROUPS).id;
  const roll = d.next();
  const op = roll < 0.3 ? "send" : roll < 0.55 ? "receive" : roll < 0.77 ? "commit" : roll < 0.83 ? "race" : roll < 0.9 ? "key-package" : "replay";
  w.journal.begin(op);
  try {
    if (op === "send") await send(w, d, gid);
    else if (op === "receive") await receive(w, d, gid);
    else if (op === "commit") await commitOnce(w, d, gid);
    else if (op === "race") await race(w, d, gid);
    else if (op === "key-package") await publishSomeKeyPackage(w, d);
    else await replay(w, d, gid);
  } catch (e) {
    w.violation("runtime", `${op} in ${gid} failed: ${errorCode(e)}${e instanceof Error && e.stack !== undefined ? ` ${e.stack.split("\n").slice(0, 4).join(" | ")}` : ""}`);
  } finally {
    w.journal.end();
  }
}

async function groupOf(w: World, name: string, gid: string): Promise<Group | undefined> {
  return clientOf(w, name).getGroup(groupIdBytes(gid));
}

/** A member sends one message or a burst, usually after catching up. */
async function send(w: World, d: Dice, gid: string): Promise<void> {
  const members = active(w, gid);
  if (members.length === 0) return;
  const m = d.pick(members);
  let g = await groupOf(w, m.name, gid);
  // Far behind, the DS would refuse the messages (their epoch may be gone at the readers): catch up first.
  if (g === undefined || d.chance(0.6) || Number(g.epoch) < (w.ds.epoch(gid) ?? 0) - 1) {
    await catchUp(w, gid, m.name, { batch: d.chance(0.5) });
    g = await groupOf(w, m.name, gid);
  }
  if (g === undefined || !g.active) return;
  const n = d.chance(0.3) ? d.int(2, 6) : 1;
  const texts = Array.from({ length: n }, (_, k) => `${m.name} run ${w.run} #${sent++}.${k}`);
  w.journal.phase("library");
  const bytes = n === 1 ? [await g.encrypt(texts[0]!)] : await g.encryptMany(texts);
  w.journal.phase("ds");
  w.ds.submitApplication(
    gid,
    m.name,
    epochOf(bytes[0]!),
    bytes.map((b, k) => ({ bytes: b, plaintext: texts[k]! })),
  );
}

/** A client reads its backlog, all or a few messages, one by one or in a batch. */
async function receive(w: World, d: Dice, gid: string): Promise<void> {
  const readers = w.ds.latestMemberships(gid).filter((m) => !m.removalAcked && !m.broken);
  if (readers.length === 0) return;
  const m = d.pick(readers);
  await catchUp(w, gid, m.name, { batch: d.chance(0.6), ...(d.chance(0.5) ? { limit: d.int(1, 6) } : {}) });
}

/** A client publishes a KeyPackage (its private keys go to its store first). */
async function publishKeyPackage(w: World, name: string): Promise<{ ref: string; bytes: Uint8Array }> {
  w.journal.phase("library");
  const kp = await clientOf(w, name).createKeyPackage();
  w.journal.phase("ds");
  const ref = Buffer.from(kp.reference).toString("hex");
  w.ds.publishKeyPackage(name, ref, kp.keyPackage);
  return { ref, bytes: kp.keyPackage };
}

async function publishSomeKeyPackage(w: World, d: Dice): Promise<void> {
  const name = d.pick(CLIENT_NAMES);
  if (w.ds.unusedKeyPackage(name) === undefined) await publishKeyPackage(w, name);
}

/** Clients that can be added to the group: not members, their last removal processed. */
function candidates(w: World, gid: string): string[] {
  return CLIENT_NAMES.filter((n) => {
    const m = w.ds.membership(gid, n);
    return m === undefined || m.removalAcked;
  });
}

/** A member creates a Commit (add, remove or update); the Delivery Service is not told yet. */
async function createCommit(w: World, d: Dice, gid: string, m: Membership, g: Group, updateOnly: boolean): Promise<{ out: CommitOutput; extras: CommitExtras }> {
  // The committer's own view decides who can be removed or added: when it is behind, the DS's member list is ahead of its tree.
  const inTree = new Set((await g.members()).map((x) => new TextDecoder().decode(x.identity)));
  const open = w.ds.members(gid).filter((x) => inTree.has(x.name));
  const joinable = candidates(w, gid).filter((n) => !inTree.has(n));
  const kinds: ("add" | "remove" | "update")[] = ["update"];
  const size = w.ds.members(gid).length;
  if (!updateOnly && size < MAX_MEMBERS && joinable.length > 0) kinds.push("add", "add");
  if (!updateOnly && size > MIN_MEMBERS && open.length > 1) kinds.push("remove");
  const kind = d.pick(kinds);
  if (kind === "add") {
    const joiner = d.pick(joinable);
    const kp = w.ds.unusedKeyPackage(joiner) ?? (await publishKeyPackage(w, joiner));
    w.journal.phase("library");
    const out = await g.addMembers([kp.bytes]);
    return { out, extras: { ...(out.welcome !== undefined ? { welcome: out.welcome } : {}), joiner, keyPackageRef: kp.ref } };
  }
  w.journal.phase("library");
  if (kind === "remove") {
    const target = d.pick(open.filter((x) => x.name !== m.name)).name;
    return { out: await g.removeMembers([target]), extras: { removed: target } };
  }
  return { out: await g.update(), extras: {} };
}

/** Submits a Commit; a refused one is discarded, an accepted one is usually read back at once. */
async function submit(w: World, d: Dice, gid: string, name: string, g: Group, c: { out: CommitOutput; extras: CommitExtras }): Promise<void> {
  w.journal.phase("ds");
  const r = w.ds.submitCommit(gid, name, Number(c.out.epoch) - 1, c.out.commit, c.extras);
  if (!r.accepted) {
    w.journal.phase("library");
    await g.discardPendingCommit();
  } else if (d.chance(0.5)) {
    await catchUp(w, gid, name);
  }
}

/** A member commits, usually after catching up (when behind, the DS refuses the Commit). */
async function commitOnce(w: World, d: Dice, gid: string): Promise<void> {
  const members = active(w, gid);
  if (members.length === 0) return;
  const m = d.pick(members);
  let g = await groupOf(w, m.name, gid);
  if (g === undefined || g.hasPendingCommit || d.chance(0.85)) {
    await catchUp(w, gid, m.name, { batch: d.chance(0.5) });
    g = await groupOf(w, m.name, gid);
  }
  if (g === undefined || !g.active || g.hasPendingCommit) return;
  await submit(w, d, gid, m.name, g, await createCommit(w, d, gid, m, g, false));
}

/** Two members, both up to date, commit for the same epoch: the first submitted wins, the other discards its Commit. */
async function race(w: World, d: Dice, gid: string): Promise<void> {
  const members = active(w, gid);
  if (members.length < 2) return;
  const a = d.pick(members);
  const b = d.pick(members.filter((x) => x.name !== a.name));
  const ready: { m: Membership; g: Group }[] = [];
  for (const m of [a, b]) {
    await catchUp(w, gid, m.name);
    const g = await groupOf(w, m.name, gid);
    if (g === undefined || !g.active || g.hasPendingCommit) return;
    ready.push({ m, g });
  }
  const [first, second] = ready as [{ m: Membership; g: Group }, { m: Membership; g: Group }];
  const c1 = await createCommit(w, d, gid, first.m, first.g, false);
  // The second only updates: an Add of the same joiner would be refused for its KeyPackage, not for the race.
  const c2 = await createCommit(w, d, gid, second.m, second.g, true);
  await submit(w, d, gid, first.m.name, first.g, c1);
  await submit(w, d, gid, second.m.name, second.g, c2);
}

/** A member is fed messages it already read. */
async function replay(w: World, d: Dice, gid: string): Promise<void> {
  const members = active(w, gid).filter((m) => m.untilSeq === null);
  if (members.length === 0) return;
  await replayTo(w, d.pick(members), d.int(1, 3), emptyTally());
}
