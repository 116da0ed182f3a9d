/**
 * Setup (not measured): G groups of M members with real MLS through the
 * servers. Every member registers with the AS (an X.509 credential for a
 * fresh key), becomes a facade `Client` trusting the AS's roots, and opens a
 * `Messenger` (registration with the DS, KeyPackages published). Member 0
 * creates the room and invites the others in one Commit; each invitee
 * syncs to process its Welcome. The Messengers are then closed: the
 * steady phase drives `DsConnection`s and the groups directly.
 */
import type { DsConnection, FetchFunction } from "@mlskit/ds-client";
import { Messenger } from "@mlskit/ds-client";
import { authorityIdentityProvider, fetchTrustAnchors, registerWithAuthority } from "@mlskit/ds-client/authentication";
import { Client, type Group } from "@mlskit/mls";
import type { Servers } from "./servers.js";

export interface Member {
  readonly clientId: string;
  /** Index of the member's group. */
  readonly group: number;
  /** Index within the group (0 created it). */
  readonly index: number;
  readonly client: Client;
  readonly conn: DsConnection;
}

interface PopulatedGroup {
  readonly groupIdHex: string;
  readonly members: readonly Member[];
  /** Each member's facade group, by member index (to encrypt with). */
  readonly states: readonly Group[];
}

export interface Population {
  readonly groups: readonly PopulatedGroup[];
  readonly members: readonly Member[];
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Sets up `groups` groups of `members` members (`members` ≥ 2); their connections use `fetch` (default the runtime's). */
export async function populate(servers: Servers, groups: number, members: number, runTag: string, fetch?: FetchFunction): Promise<Population> {
  if (members < 2) throw new Error("a group needs at least 2 members to fan out to");
  const anchors = await fetchTrustAnchors(servers.asUrl);
  const identityProvider = authorityIdentityProvider(anchors);
  const built = await mapLimit(
    Array.from({ length: groups }, (_, g) => g),
    8,
    async (g): Promise<PopulatedGroup> => {
      const people = await Promise.all(
        Array.from({ length: members }, async (_, m) => {
          const clientId = `lt${runTag}-g${g}-m${m}`;
          const { credential, signatureKeyPair } = await registerWithAuthority({
            asUrl: servers.asUrl,
            clientId,
            registrationToken: servers.registrationToken,
          });
          const client = await Client.create({ credential, signatureKeyPair, identityProvider });
          // No stream, no polling: driven by sync() during setup only.
          const messenger = await Messenger.open({
            serverUrl: servers.dsUrl,
            client,
            WebSocket: null,
            pollIntervalMs: 0,
            keyPackageTarget: 1,
            lastResort: false,
            ...(fetch !== undefined ? { fetch } : {}),
          });
          return { clientId, messenger };
        }),
      );
      const creator = people[0]!.messenger;
      const groupIdHex = await creator.createRoom();
      const invited = await creator.invite(
        groupIdHex,
        people.slice(1).map((p) => p.clientId),
      );
      if (invited.added.length !== members - 1) {
        throw new Error(`setup: group ${g}: invite added ${invited.added.length} of ${members - 1} (${JSON.stringify(invited.failed)})`);
      }
      for (const p of people.slice(1)) {
        await p.messenger.sync();
        if (!(await p.messenger.rooms()).includes(groupIdHex)) throw new Error(`setup: ${p.clientId} did not join group ${g}`);
      }
      for (const p of people) await p.messenger.close();
      const groupId = Buffer.from(groupIdHex, "hex");
      const list: Member[] = people.map((p, m) => ({ clientId: p.clientId, group: g, index: m, client: p.messenger.client, conn: p.messenger.connection }));
      const states = await Promise.all(
        list.map(async (mem) => {
          const state = await mem.client.getGroup(groupId);
          if (state === undefined) throw new Error(`setup: ${mem.clientId} holds no state of group ${g}`);
          return state;
        }),
      );
      const epochs = new Set(states.map((s) => s.epoch));
      if (epochs.size !== 1) throw new Error(`setup: group ${g}: members disagree on the epoch`);
      return { groupIdHex, members: list, states };
    },
  );
  return { groups: built, members: built.flatMap((g) => g.members) };
}
