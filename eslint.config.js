// ESLint for the whole workspace (issue 17, "Static tooling"): type-aware rules from
// typescript-eslint over every package's, app's and tool's src. Library code (packages/*/src
// outside tests and fixtures) may not use non-null assertions: an invariant is checked and
// reported as a typed error (core's expectDefined / InternalError), never asserted away.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Imports named only in TSDoc links (`{@link Client}`) are used: TypeDoc resolves the link through
 * them. Marks such names used so that no-unused-vars does not ask to delete the import.
 */
const tsdocLinks = {
  rules: {
    "mark-linked-imports-used": {
      meta: { type: "problem", schema: [] },
      create(context) {
        return {
          Program() {
            const { sourceCode } = context;
            const moduleScope = sourceCode.scopeManager.globalScope?.childScopes.find((s) => s.type === "module");
            if (!moduleScope) return;
            for (const comment of sourceCode.getAllComments()) {
              for (const m of comment.value.matchAll(/\{@link(?:code|plain)?\s+([A-Za-z_$][\w$]*)/g)) {
                const variable = moduleScope.set.get(m[1]);
                if (variable) variable.eslintUsed = true;
              }
            }
          },
        };
      },
    },
  },
};

const tsconfigs = ["packages/*/tsconfig.json", "apps/*/tsconfig.json", "tools/*/tsconfig.json", "tsconfig.test.json"];

export default tseslint.config(
  {
    ignores: ["**/dist/**", "**/node_modules/**", "**/*.js", "**/*.mjs", "**/*.cjs", "docs/**", "**/generated/**", "**/default-crypto/**"],
  },
  {
    files: ["packages/*/src/**/*.ts", "apps/*/src/**/*.ts", "tools/*/src/**/*.ts"],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: tsconfigs, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    plugins: { tsdoc: tsdocLinks },
    rules: {
      "tsdoc/mark-linked-imports-used": "error",
      // TypeScript checks these (strict, noUnused* aside) better than ESLint can.
      "no-undef": "off",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-import-type-side-effects": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/require-await": "off",
      // It asks to drop assertions that steer generic inference (codec structs, provider maps),
      // which changes inferred types elsewhere; its autofix is not safe here.
      "@typescript-eslint/no-unnecessary-type-assertion": "off",
      "prefer-const": ["error", { destructuring: "all" }],
      // An object literal's getters (`get state() { return group.#state; }`) need the alias.
      "@typescript-eslint/no-this-alias": ["error", { allowedNames: ["group"] }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
      // Rethrowing a caught (unknown) error, or one kept from a check that ran earlier, is fine.
      "@typescript-eslint/only-throw-error": ["error", { allowThrowingUnknown: true, allowRethrowing: true }],
      // Provider and store interfaces are written with method syntax but their members are
      // plain functions passed around freely; the rule cannot tell and reports every one.
      "@typescript-eslint/unbound-method": "off",
      // Promise wrappers of callback APIs (IndexedDB requests, node:crypto) pass the
      // platform's error object through unchanged, typed unknown.
      "@typescript-eslint/prefer-promise-reject-errors": "off",
    },
  },
  {
    // Apps, tools and tests read JSON and drive test doubles: `any` flows there by design.
    files: ["apps/*/src/**/*.ts", "tools/*/src/**/*.ts", "**/*.test.ts", "**/*.fixture.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-base-to-string": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    // Library code: no `!` (docs/ARCHITECTURE.md; helper-brief standards).
    files: ["packages/*/src/**/*.ts"],
    ignores: ["**/*.test.ts", "**/*.fixture.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "error" },
  },
);
