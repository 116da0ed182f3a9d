/**
 * Names of rooms: a room is shown by the start of its group id, optionally
 * with a local alias (`/create team`); the aliases and the current room are
 * kept in `rooms.json` in the data dir, so a restart carries on in the same
 * room.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";

/** How many hex digits of a group id name a room. */
const SHORT_ID_LENGTH = 8;

/** The short id of a room (the start of its group id, hex). */
export function shortId(groupId: string): string {
  return groupId.slice(0, SHORT_ID_LENGTH);
}

interface Saved {
  readonly current?: string;
  readonly aliases?: Record<string, string>;
}

/** Aliases and the current room, written through to a JSON file (or kept in memory when `file` is undefined). */
export class RoomBook {
  readonly #file: string | undefined;
  readonly #aliases = new Map<string, string>();
  #current: string | undefined;

  constructor(file: string | undefined) {
    this.#file = file;
    if (file === undefined) return;
    let saved: Saved = {};
    try {
      saved = JSON.parse(readFileSync(file, "utf8")) as Saved;
    } catch {
      // Missing or unreadable: start without aliases.
    }
    if (typeof saved.current === "string") this.#current = saved.current;
    for (const [id, alias] of Object.entries(saved.aliases ?? {})) if (typeof alias === "string") this.#aliases.set(id, alias);
  }

  /** The current room's group id. */
  get current(): string | undefined {
    return this.#current;
  }

  /** Makes a room current (undefined: none). */
  setCurrent(groupId: string | undefined): void {
    this.#current = groupId;
    this.#save();
  }

  /** A room's local alias. */
  alias(groupId: string): string | undefined {
    return this.#aliases.get(groupId);
  }

  /** Gives a room a local alias. */
  setAlias(groupId: string, alias: string): void {
    this.#aliases.set(groupId, alias);
    this.#save();
  }

  /** Forgets a room (after leaving or removal). */
  forget(groupId: string): void {
    this.#aliases.delete(groupId);
    if (this.#current === groupId) this.#current = undefined;
    this.#save();
  }

  /** How a room is shown: `ab12cd34` or `ab12cd34 (team)`. */
  label(groupId: string): string {
    const alias = this.#aliases.get(groupId);
    return alias === undefined ? shortId(groupId) : `${shortId(groupId)} (${alias})`;
  }

  /**
   * The room a person means among `rooms`: an alias (exact, case-insensitive)
   * or the start of a group id.
   * @returns the group id, or a sentence saying why there is none.
   */
  find(rooms: readonly string[], what: string): { readonly groupId: string } | { readonly problem: string } {
    const lower = what.toLowerCase();
    const byAlias = rooms.filter((id) => this.#aliases.get(id)?.toLowerCase() === lower);
    if (byAlias.length === 1) return { groupId: byAlias[0]! };
    const byId = rooms.filter((id) => id.startsWith(lower));
    if (byId.length === 1) return { groupId: byId[0]! };
    if (byId.length > 1 || byAlias.length > 1) return { problem: `"${what}" matches more than one room: give more of its id` };
    return { problem: `you are in no room "${what}" (see /rooms)` };
  }

  #save(): void {
    if (this.#file === undefined) return;
    const saved: Saved = { ...(this.#current !== undefined ? { current: this.#current } : {}), aliases: Object.fromEntries(this.#aliases) };
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify(saved, null, 2) + "\n", { mode: 0o600 });
    renameSync(tmp, this.#file);
  }
}
