/**
 * The Dedicated Worker's entry: the MLS client lives here, never in the
 * page. Requests from the page are answered one at a time in arrival order
 * (the Messenger serialises its own operations too); events are pushed as
 * they come.
 */
// First: @peculiar/x509 (through @mlskit/credential-x509) needs the Reflect
// metadata API when it loads. credential-x509 imports this polyfill itself,
// but declares "sideEffects": false, so bundlers (Vite/Rolldown) drop that
// import; the entry point brings it in before anything else.
import "reflect-metadata/lite";
import type { WorkerCalls, WorkerEvent, WorkerMethod, WorkerOutbound, WorkerRequest } from "../worker-api.js";
import { AppDb } from "./app-db.js";
import { Chat } from "./chat.js";
import { ChatError } from "./chat-error.js";
import { errorView } from "./error-text.js";
import { restoreIdentity, signIn } from "./identity.js";
import { holdTabLock } from "./tab-lock.js";

/** The parts of a DedicatedWorkerGlobalScope used here. */
interface WorkerScope {
  readonly location: { readonly origin: string };
  postMessage(message: WorkerOutbound): void;
  addEventListener(type: "message", listener: (e: { readonly data: WorkerRequest }) => void): void;
}
const scope = globalThis as unknown as WorkerScope;
const origin = scope.location.origin;

let db: Promise<AppDb> | undefined;
let chat: Chat | undefined;

const emit = (event: WorkerEvent): void => scope.postMessage({ type: "event", event });

function appDb(): Promise<AppDb> {
  db ??= AppDb.open();
  return db;
}

function signedIn(): Chat {
  if (chat === undefined) throw new ChatError("web-chat/signed-out", "sign in first");
  return chat;
}

async function started(identity: Awaited<ReturnType<typeof signIn>>): Promise<{ me: Chat["me"]; rooms: Awaited<ReturnType<Chat["rooms"]>> }> {
  chat = await Chat.start(identity, await appDb(), origin, emit);
  return { me: chat.me, rooms: await chat.rooms() };
}

type Handlers = { [K in WorkerMethod]: (args: WorkerCalls[K]["args"]) => Promise<WorkerCalls[K]["result"]> };

const handlers: Handlers = {
  async restore() {
    if (chat !== undefined) return { me: chat.me, rooms: await chat.rooms() };
    await holdTabLock();
    const identity = await restoreIdentity(await appDb());
    return identity === undefined ? null : started(identity);
  },
  async signIn({ name, token }) {
    if (chat !== undefined) throw new ChatError("web-chat/signed-in", `you are signed in as ${chat.me.name} already`);
    await holdTabLock();
    return started(await signIn(await appDb(), origin, name.trim(), token.trim()));
  },
  rooms: () => signedIn().rooms(),
  createRoom: ({ name }) => signedIn().createRoom(name),
  invite: ({ roomId, names }) => signedIn().invite(roomId, names),
  members: ({ roomId }) => signedIn().members(roomId),
  history: ({ roomId }) => signedIn().history(roomId),
  send: ({ roomId, text }) => signedIn().send(roomId, text),
  remove: ({ roomId, names }) => signedIn().remove(roomId, names),
  async leave({ roomId }) {
    await signedIn().leave(roomId);
    return null;
  },
};

let queue: Promise<void> = Promise.resolve();

scope.addEventListener("message", ({ data: request }) => {
  queue = queue.then(async () => {
    try {
      const handler = handlers[request.method] as (args: unknown) => Promise<unknown>;
      const result = await handler(request.args);
      scope.postMessage({ type: "response", id: request.id, ok: true, result });
    } catch (e) {
      scope.postMessage({ type: "response", id: request.id, ok: false, error: errorView(e) });
    }
  });
});
