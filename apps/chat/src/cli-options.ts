/** The command line of the chat (`main.ts`): where the services are, who this is, where its state lives. */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { CLIENT_ID_PATTERN } from "@mlskit/ds-protocol";

/** What the chat runs with. */
export interface ChatOptions {
  /** The Delivery Service's base URL. */
  readonly serverUrl: string;
  /** The Authentication Service's base URL (default: the Delivery Service's). */
  readonly asUrl: string;
  /** The AS registration token (needed on the first run only). */
  readonly token: string | undefined;
  /** The client id. */
  readonly name: string;
  /** Where the client's SQLite store, the trust anchors and the room names are kept (absolute). */
  readonly dataDir: string;
}

/** The usage text. */
export const USAGE =
  "usage: npm run chat -- --server URL --name NAME [--as URL] [--token TOKEN] [--data-dir DIR]\n" +
  "  --server    the Delivery Service's URL\n" +
  "  --as        the Authentication Service's URL (default: the same as --server)\n" +
  "  --token     the AS registration token, needed on the first run (default: $MLSKIT_AS_TOKEN)\n" +
  "  --name      who you are (letters, digits, . _ @ -)\n" +
  "  --data-dir  where your keys and rooms are kept (default: ./.mlskit-chat/NAME)";

/** A command line the chat cannot run with; its message says what to fix. */
export class ChatOptionsError extends Error {
  override readonly name = "ChatOptionsError";
}

function httpUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ChatOptionsError(`${flag} must be a URL such as http://127.0.0.1:8080, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ChatOptionsError(`${flag} must be an http:// or https:// URL, got "${value}"`);
  return value.replace(/\/+$/, "");
}

/**
 * Reads the arguments (and `MLSKIT_AS_TOKEN`); a relative `--data-dir` is
 * resolved against `cwd`.
 * @throws {@link ChatOptionsError} naming what is missing or wrong.
 */
export function parseChatOptions(args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}, cwd = "."): ChatOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        server: { type: "string" },
        as: { type: "string" },
        token: { type: "string" },
        name: { type: "string" },
        "data-dir": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new ChatOptionsError((e as Error).message.split("\n")[0] ?? "bad arguments");
  }
  if (values.server === undefined || values.server === "") throw new ChatOptionsError("--server is required (the Delivery Service's URL)");
  const serverUrl = httpUrl(values.server, "--server");
  const asUrl = values.as === undefined || values.as === "" ? serverUrl : httpUrl(values.as, "--as");
  const name = values.name;
  if (name === undefined || name === "") throw new ChatOptionsError("--name is required (who you are)");
  if (!CLIENT_ID_PATTERN.test(name)) throw new ChatOptionsError(`--name "${name}" is not a valid name: use 1 to 128 letters, digits, . _ @ -`);
  const token = values.token ?? env.MLSKIT_AS_TOKEN;
  const dataDir = resolve(cwd, values["data-dir"] ?? `.mlskit-chat/${name}`);
  return { serverUrl, asUrl, token: token === "" ? undefined : token, name, dataDir };
}
