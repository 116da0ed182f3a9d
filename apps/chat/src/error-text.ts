/**
 * Errors as sentences a person understands: the codes of the Delivery
 * Service and Authentication Service (`DsError`), of the DS client and of
 * the facade become plain text; nothing here ever shows a stack trace.
 */

/** The code of an mlskit error (any object with a string `code`), if it has one. */
function codeOf(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : undefined;
}

/** The first line of an error's message (an `ErrorEvent` is a plain object with one). */
function messageOf(e: unknown): string {
  const message = typeof e === "string" ? e : typeof e === "object" && e !== null ? (e as { message?: unknown }).message : undefined;
  const first = typeof message === "string" ? message.split("\n")[0]?.trim() : undefined;
  return first === undefined || first === "" ? "an unexpected failure" : first;
}

/** Why a client could not be invited (an `InviteResult.failed` code), as a sentence about that client. */
export function inviteFailureText(clientId: string, code: string): string {
  switch (code) {
    case "key-package/unknown-client":
      return `${clientId} has no KeyPackages published: they must run the chat once first`;
    case "key-package/none-left":
      return `${clientId} has no KeyPackages left: they must start the chat again to publish new ones`;
    case "ds-client/foreign-key-package":
    case "ds-client/bad-answer":
    case "key-package/invalid":
    case "key-package/malformed":
      return `the server handed out a KeyPackage for ${clientId} that is not theirs or not valid: ${clientId} was not invited`;
    case "credential/rejected":
    case "credential/unknown-identity":
    case "credential/unsupported-type":
      return `${clientId}'s credential is not one the Authentication Service issued: ${clientId} was not invited`;
    default:
      return `${clientId} could not be invited (${plainCode(code)})`;
  }
}

const TEXTS: Readonly<Record<string, string>> = {
  // The Delivery Service's and Authentication Service's answers.
  "auth/missing": "the Authentication Service wants a registration token: pass --token or set MLSKIT_AS_TOKEN",
  "auth/forbidden": "the Authentication Service refused the registration token (check --token or MLSKIT_AS_TOKEN)",
  "auth/unknown-client": "the Delivery Service does not know this client: start the chat again to register",
  "auth/bad-signature": "the Delivery Service did not accept this client's signature: its key does not match the one registered",
  "auth/stale": "the Delivery Service refused a request as too old: check this computer's clock",
  "auth/replayed": "the Delivery Service refused a repeated request: try again",
  "auth/malformed": "the Delivery Service could not read this client's signature",
  "client/bad-id": "that name is not valid: use 1 to 128 letters, digits, . _ @ -",
  "client/bad-credential": "the Delivery Service did not accept this client's credential: the Authentication Service it trusts did not issue it",
  "client/already-registered": "this name is already registered with another key: pick another --name, or use the data dir it was registered from",
  "key-package/unknown-client": "that person has no KeyPackages published: they must run the chat once first",
  "key-package/none-left": "that person has no KeyPackages left: they must start the chat again",
  "group/unknown": "the server does not know this room",
  "group/exists": "a room with this id exists already: try /create again",
  "group/not-member": "the server says you are not in this room any more",
  "group/stale-epoch": "someone else changed the room at the same moment: try again",
  "group/future-epoch": "this client is behind on the room: try /sync, then again",
  "group/invalid-commit": "the server refused the room change as invalid",
  "request/too-large": "that message is too large for the server",
  "request/not-found": "the server does not answer this request: is --server the Delivery Service's URL (and --as the Authentication Service's)?",
  "internal/failed": "the server failed or cannot be reached: check that it is running and try again",
  // The DS client's own.
  "ds-client/network": "the server cannot be reached: check that it is running and the address is right",
  "ds-client/unknown-room": "you are not in that room (any more)",
  "ds-client/attempts-exhausted": "the room kept changing under this client: try again",
  "ds-client/closed": "the connection is closed",
  "ds-client/leaving": "you asked to leave this room: you can no longer send there",
  "ds-client/queue-truncated": "the server dropped messages kept for you too long: some rooms may be out of date",
  "ds-client/bad-answer": "the server answered with something unexpected",
  "ds-client/bad-client-id": "this client's credential does not name a valid client",
  "ds-client/foreign-key-package": "the server handed out a KeyPackage that belongs to someone else",
  "ds-client/item-failed": "a message from the server could not be read",
  // The facade's.
  "usage/storage-of-another-client": "the data dir holds another person's client: use --data-dir for this name",
  "usage/removed": "you were removed from that room",
  "usage/unknown-group": "you are not in that room",
  "usage/group-closed": "that room is closed",
  "message/after-removal": "a message arrived for a room you were removed from",
  "crypto/aead-open": "a message could not be decrypted",
  "credential/rejected": "a member's credential was rejected: it was not issued by the Authentication Service",
  "storage/failed": "your local data could not be read or written (is another chat running with the same data dir?)",
  "storage/corrupt": "your local data is damaged",
  "storage/unsupported-version": "your local data was written by a newer version of the chat",
  "storage/closed": "your local data is closed",
};

/** A code shown to a person when there is no sentence for it: `group/stale-epoch` → "group: stale epoch". */
function plainCode(code: string): string {
  const [area, what] = code.split("/", 2);
  return what === undefined ? code : `${area}: ${what.replace(/-/g, " ")}`;
}

/** One sentence for an error (no stack trace); `errorText(e)` for anything thrown or reported. */
export function errorText(e: unknown): string {
  const code = codeOf(e);
  if (code !== undefined) {
    // The AS client's own failures already say which service and what happened.
    if (code === "internal/failed" && messageOf(e).startsWith("the Authentication Service")) return messageOf(e);
    const known = TEXTS[code];
    if (known !== undefined) return known;
    return `${messageOf(e)} (${plainCode(code)})`;
  }
  if (e instanceof Error && /ECONNREFUSED|fetch failed|ENOTFOUND/.test(`${e.message} ${String((e as { cause?: unknown }).cause)}`)) {
    return "the server cannot be reached: check that it is running and the address is right";
  }
  return messageOf(e);
}
