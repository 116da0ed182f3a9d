/**
 * `npm run web-chat`: the Authentication Service and the Delivery Service
 * (SQLite in the data dir) and the web chat's front, on 127.0.0.1; prints
 * the URL and the registration token a person's first sign-in needs.
 *
 *   npm run web-chat -- [--port 8080] [--data-dir .mlskit-web-chat] [--token T]
 *
 * The token defaults to MLSKIT_AS_TOKEN, else one made up and kept in the
 * data dir (so a restart accepts the same token).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_PAGE_DIR, buildPage } from "./build-page.js";
import { startWebChat } from "./server.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8080" },
    "data-dir": { type: "string", default: ".mlskit-web-chat" },
    token: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("npm run web-chat -- [--port 8080] [--data-dir .mlskit-web-chat] [--token TOKEN]");
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`web chat: --port must be a port number, not ${values.port}`);
  process.exit(2);
}
const dataDir = resolve(values["data-dir"]);
mkdirSync(dataDir, { recursive: true, mode: 0o700 });

function registrationToken(): string {
  const given = values.token ?? process.env["MLSKIT_AS_TOKEN"];
  if (given !== undefined && given !== "") return given;
  const file = join(dataDir, "registration-token");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const made = randomBytes(12).toString("base64url");
  writeFileSync(file, `${made}\n`, { mode: 0o600 });
  return made;
}

const pageDir = existsSync(join(DEFAULT_PAGE_DIR, "index.html")) ? DEFAULT_PAGE_DIR : await buildPage();
const token = registrationToken();
const chat = await startWebChat({ dataDir, registrationToken: token, pageDir, port });
console.log(`web chat: ${chat.url}`);
console.log(`  registration token (first sign-in of a name): ${token}`);
console.log(`  data: ${dataDir}; stop with Ctrl-C`);

const stop = (): void => {
  void chat.close().finally(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
