/**
 * Errors as sentences a person understands. mlskit's codes (the Delivery
 * Service's and Authentication Service's `DsError`s, the DS client's, the
 * facade's, storage and crypto) become plain text; a code without a
 * sentence is shown as words after the error's first line; never a stack.
 */
import type { ErrorView } from "../worker-api.js";

/** The code of an error (any object with a string `code`), if it has one. */
function codeOf(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : undefined;
}

function firstLine(e: unknown): string {
  const message = typeof e === "string" ? e : typeof e === "object" && e !== null ? (e as { message?: unknown }).message : undefined;
  const line = typeof message === "string" ? message.split("\n")[0]?.trim() : undefined;
  return line === undefined || line === "" ? "something unexpected went wrong" : line;
}

function sentence(text: string): string {
  const t = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

const UNREACHABLE = "the chat server cannot be reached: check that it is running and try again";

const TEXTS: Readonly<Record<string, string>> = {
  "auth/missing": "the first sign-in needs the registration token",
  "auth/forbidden": "the registration token was not accepted: ask whoever runs this chat for the right one",
  "auth/unknown-client": "the server no longer knows you: sign in again",
  "auth/bad-signature": "the server did not accept your signature: your key does not match the one it has for you",
  "auth/stale": "the server refused a request as too old: check this computer's clock",
  "auth/replayed": "the server refused a repeated request: try again",
  "client/bad-id": "that name is not valid: use 1 to 128 letters, digits, dots, underscores, @ or dashes",
  "client/bad-credential": "the server did not accept your credential: it was not issued by the Authentication Service it trusts",
  "client/already-registered": "that name is already taken by someone else: pick another one",
  "group/unknown": "the server does not know this room",
  "group/not-member": "the server says you are no longer in this room",
  "group/stale-epoch": "someone else changed the room at the same moment: try again",
  "request/too-large": "that message is too large to send",
  "internal/failed": UNREACHABLE,
  "ds-client/network": UNREACHABLE,
  "ds-client/unknown-room": "you are not in that room any more",
  "ds-client/attempts-exhausted": "the room kept changing while you tried: try again",
  "ds-client/closed": "the connection to the server is closed: reload the page",
  "ds-client/leaving": "you asked to leave this room, so you can no longer write here",
  "ds-client/queue-truncated": "the server dropped messages it kept for you too long: some rooms may be out of date",
  "ds-client/item-failed": "a message from the server could not be read",
  "usage/removed": "you were removed from that room",
  "usage/unknown-group": "you are not in that room",
  "crypto/aead-open": "a message could not be decrypted",
  "crypto/key-not-found": "one of your keys is missing from this browser's storage",
  "credential/rejected": "a member's credential was rejected: it was not issued by the Authentication Service",
  "storage/failed": "this browser's storage could not be read or written (is the chat open in another tab?)",
  "storage/corrupt": "the chat's data in this browser is damaged",
  "storage/unsupported-version": "the chat's data in this browser was written by a newer version",
  "storage/closed": "the chat's storage was closed by another tab: reload the page",
  "storage/conflict": "another tab changed the same room at the same moment: reload the page",
};

/** Why `name` could not be invited (an invite failure's code), as a sentence. */
export function inviteFailureText(name: string, code: string): string {
  switch (code) {
    case "key-package/unknown-client":
      return sentence(`nobody called “${name}” has signed in to this chat yet: they must sign in once before they can be invited`);
    case "key-package/none-left":
      return sentence(`you cannot invite ${name} right now: they must open the chat once to be reachable again`);
    case "credential/rejected":
    case "credential/unknown-identity":
    case "credential/unsupported-type":
      return sentence(`the credential of ${name} was not issued by the Authentication Service, so ${name} was not invited`);
    case "ds-client/foreign-key-package":
    case "key-package/invalid":
    case "key-package/malformed":
      return sentence(`the server handed out invalid data for ${name}, so ${name} was not invited`);
    default:
      return sentence(`could not invite ${name} (${words(code)})`);
  }
}

/** `group/stale-epoch` → "group: stale epoch". */
function words(code: string): string {
  const [area, what] = code.split("/", 2);
  return what === undefined ? code : `${area}: ${what.replace(/-/g, " ")}`;
}

/** One sentence for anything thrown or reported. */
export function errorText(e: unknown): string {
  const code = codeOf(e);
  if (code !== undefined) {
    if (code.startsWith("web-chat/")) return sentence(firstLine(e));
    const known = TEXTS[code];
    if (known !== undefined) return sentence(known);
    return sentence(`${firstLine(e)} (${words(code)})`);
  }
  if (e instanceof TypeError && /fetch|network/i.test(e.message)) return sentence(UNREACHABLE);
  return sentence(firstLine(e));
}

/** An error for the page: its sentence and code. */
export function errorView(e: unknown): ErrorView {
  const code = codeOf(e);
  return code === undefined ? { text: errorText(e) } : { text: errorText(e), code };
}
