// knip (issue 17, "Static tooling"): unused files, exports and dependencies across the pnpm
// workspace; `npm run lint` runs it. Packages' `exports` maps point at dist/, which knip maps back
// to src/ through each tsconfig's rootDir/outDir, so a package's public API counts as used.
// Test-only edges between @mlskit packages are declared in package.json "mlskit".testDependencies
// (tools/scripts/check-package-graph.mjs checks them); they are read here so knip accepts them.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Each workspace folder's declared test-only @mlskit imports. */
function testDependencies() {
  const out = {};
  for (const group of ["packages", "apps", "tools"]) {
    for (const name of existsSync(group) ? readdirSync(group) : []) {
      const file = join(group, name, "package.json");
      if (!existsSync(file)) continue;
      const deps = JSON.parse(readFileSync(file, "utf8")).mlskit?.testDependencies;
      if (deps?.length) out[`${group}/${name}`] = deps;
    }
  }
  return out;
}

const workspaces = {
  ".": {
    entry: ["tools/scripts/*.mjs"],
    project: ["tools/scripts/*.mjs"],
    // Run as executables by tools/scripts/check-publish.mjs.
    ignoreDependencies: ["@arethetypeswrong/cli", "publint"],
  },
  "packages/*": {
    entry: ["src/index.ts", "src/**/*.test.ts", "src/**/*.fixture.ts"],
    project: ["src/**/*.ts"],
  },
  "apps/*": {
    entry: ["src/main.ts", "src/index.ts", "src/**/*.test.ts", "src/**/*.fixture.ts"],
    project: ["src/**/*.ts"],
  },
  "apps/browser-check": {
    entry: ["src/run.ts", "src/**/*.test.ts"],
    project: ["src/**/*.ts"],
  },
  "apps/web-chat": {
    // The page and its worker are Vite's entries (src/build-page.ts), the rest run from dist/.
    entry: ["src/main.ts", "src/e2e.ts", "src/bundle-size.ts", "src/build-page.ts", "src/page/main.ts", "src/worker/main.ts", "src/**/*.test.ts"],
    project: ["src/**/*.ts"],
  },
  "tools/*": {
    entry: ["src/main.ts", "src/index.ts", "src/**/*.test.ts", "src/**/*.fixture.ts"],
    project: ["src/**/*.ts"],
  },
  "tools/bench": {
    // Besides the bench itself: the small-group profile (node dist/small-group-profile.js) and the browser page.
    entry: ["src/main.ts", "src/small-group-profile.ts", "src/browser/page.ts", "src/**/*.test.ts"],
    project: ["src/**/*.ts"],
  },
  "tools/crash-test": {
    entry: ["src/run.ts", "src/worker-main.ts", "src/**/*.test.ts"],
    project: ["src/**/*.ts"],
  },
  "tools/load-test": {
    entry: ["src/main.ts", "src/**/*.test.ts"],
    project: ["src/**/*.ts"],
    // It starts these apps' dist/main.js as processes (src/servers.ts): the dependency makes turbo build them first.
    ignoreDependencies: ["@mlskit/authentication-service", "@mlskit/delivery-service"],
  },
  "tools/system-test": {
    entry: ["src/**/*.test.ts", "src/**/*.fixture.ts"],
    project: ["src/**/*.ts"],
    // Started as a process (node apps/delivery-service/dist/main.js, src/system.fixture.ts).
    ignoreDependencies: ["@mlskit/delivery-service"],
  },
};

for (const [ws, deps] of Object.entries(testDependencies())) {
  const base = workspaces[ws] ?? workspaces[`${ws.split("/")[0]}/*`];
  workspaces[ws] = { ...base, ignoreDependencies: [...(base.ignoreDependencies ?? []), ...deps] };
}

/**
 * GROUP_STATE_FIELDS and PAST_EPOCH_FIELDS are compile-time guards (a field added to GroupState or
 * PastEpoch fails to compile until it is given a place): exported so that nothing calls them unused.
 */
const ignoreIssues = {
  "packages/group/src/state/group-state-body.ts": ["exports"],
  "packages/group/src/state/past-epoch-codec.ts": ["exports"],
};

/** @type {import("knip").KnipConfig} */
export default { workspaces, ignoreIssues };
