#!/usr/bin/env node
// `npm run bootstrap`: installs the workspace with the pinned pnpm (through npx, nothing global).
// better-sqlite3 (the SQLite store) is a native module: when no prebuilt binary can be fetched,
// node-gyp compiles it against Node's headers. Those ship with this Node (<prefix>/include/node)
// on the machines we run; pointing node-gyp there spares it a download of the headers, which
// fails where only the npm registry is reachable.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

const env = { ...process.env };
const prefix = dirname(dirname(process.execPath));
if (env.npm_config_nodedir === undefined && existsSync(join(prefix, "include", "node", "node.h"))) env.npm_config_nodedir = prefix;
const res = spawnSync("npx", ["-y", "pnpm@10.34.8", "install", "--frozen-lockfile"], { stdio: "inherit", env });
process.exit(res.status ?? 1);
