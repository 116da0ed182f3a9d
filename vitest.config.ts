import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineConfig } from "vitest/config";

/**
 * Tests run against the TypeScript sources: every `@mlskit/*` export is
 * aliased from its `dist/*.js` target to the matching `src/*.ts`, read from
 * each workspace package's own `exports` map. No build is needed to test, and
 * a test may use any package (a vector suite runs every provider) without a
 * package-level dependency cycle.
 */
function workspaceAliases(): { find: string; replacement: string }[] {
  const aliases: { find: string; replacement: string }[] = [];
  for (const group of ["packages", "tools", "apps"]) {
    if (!existsSync(group)) continue;
    for (const dir of readdirSync(group)) {
      const pkgPath = join(group, dir, "package.json");
      if (!existsSync(pkgPath)) continue;
      const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as {
        name: string;
        exports?: Record<string, { import?: string }>;
      };
      for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
        const file = target.import;
        if (!file?.startsWith("./dist/")) continue;
        const src = file.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts");
        aliases.push({ find: pkg.name + sub.slice(1), replacement: resolve(group, dir, src) });
      }
    }
  }
  // Longest first, so "@mlskit/core/conformance" wins over "@mlskit/core".
  return aliases.sort((a, b) => b.find.length - a.find.length);
}

export default defineConfig({
  resolve: { alias: workspaceAliases() },
  test: {
    include: ["{packages,tools,apps}/*/src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
