// The workspace's publishable packages (packages/* that are not private) and how to pack them.
// Shared by check-publish.mjs (publint, attw, metadata), sync-licenses.mjs and the consumer test.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../", import.meta.url));

/** @returns {{ name: string, dir: string, pkg: any }[]} the publishable packages, by folder name */
export function publishablePackages() {
  const out = [];
  const base = join(root, "packages");
  for (const name of readdirSync(base).sort()) {
    const file = join(base, name, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8"));
    if (pkg.private) continue;
    out.push({ name: pkg.name, dir: join(base, name), pkg });
  }
  return out;
}

/** The workspace's pinned pnpm (a root devDependency), so that no npx round trip is needed. */
export function pnpmBin() {
  const local = join(root, "node_modules", ".bin", process.platform === "win32" ? "pnpm.cmd" : "pnpm");
  return existsSync(local) ? local : "pnpm";
}

/**
 * `pnpm pack` one package into `dest` (pnpm rewrites `workspace:*` to the real versions, as
 * `pnpm publish` / `changeset publish` will) and returns the tarball's path.
 */
export function pack(dir, dest) {
  const out = execFileSync(pnpmBin(), ["pack", "--pack-destination", dest], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const line = out
    .trim()
    .split("\n")
    .filter((l) => l.trim().endsWith(".tgz"))
    .pop();
  if (!line) throw new Error(`pnpm pack in ${dir} printed no tarball:\n${out}`);
  return line.trim().startsWith("/") ? line.trim() : join(dest, line.trim().split("/").pop());
}
