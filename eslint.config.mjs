// @ts-check
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Test code: jest specs next to the code (the server's and the browser client's), the e2e suites and their support files. */
const TEST_FILES = ['test/**/*.ts', 'src/**/*.spec.ts', 'client/**/*.spec.ts'];

/**
 * The modules that own one thing each, from the bottom floor up. A module may
 * import only modules below it, and only through their index.ts; the
 * infrastructure under them (config, common, database, cache, metrics, redis,
 * logging) imports none of them.
 */
const MODULES = ['users', 'mail', 'security-events', 'sessions', 'tokens', 'rate-limit', 'mfa', 'passkeys', 'identities', 'auth', 'account', 'admin'];
const INFRASTRUCTURE = ['config', 'common', 'database', 'cache', 'metrics', 'redis', 'logging'];

/**
 * The composition: the root module and bootstrap, the code that gathers every
 * module's configuration or the Swagger document, and the command-line tools,
 * which assemble modules the way the application does.
 */
const COMPOSITION = ['src/main.ts', 'src/app.module.ts', 'src/app.factory.ts', 'src/swagger.ts', 'src/app-config.ts', 'src/cli/**'];
const COMPOSITION_ENTRIES = new Set(['main.ts', 'app.module.ts', 'app.factory.ts', 'swagger.ts', 'app-config.ts', 'app-config.spec.ts', 'cli']);

/** Everything in src/ (and the feature-module fixtures) that is neither `module` nor the composition. */
function outside(module) {
  const entries = readdirSync(join(import.meta.dirname, 'src')).filter((entry) => entry !== module && !COMPOSITION_ENTRIES.has(entry));
  return [...entries.map((entry) => `./src/${entry}`), './test/fixtures'];
}

const moduleBoundaries = [
  ...MODULES.map((module) => ({
    target: outside(module),
    from: `./src/${module}`,
    except: ['./index.ts'],
    message: `Import what ${module}/ offers from its index.ts (\`from '../${module}'\`), never its files.`,
  })),
  ...MODULES.slice(0, -1).map((module, floor) => ({
    target: `./src/${module}`,
    from: MODULES.slice(floor + 1).map((above) => `./src/${above}`),
    message: `${module}/ sits below the module it imports (${MODULES.join(' < ')}); move the shared piece down instead.`,
  })),
  {
    target: INFRASTRUCTURE.map((folder) => `./src/${folder}`),
    from: MODULES.map((module) => `./src/${module}`),
    message: 'Infrastructure imports no module above it; shared decorators and types live in common/.',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'client/dist/', 'coverage/', 'node_modules/', '.data/', 'test-artifacts/'] },

  {
    files: ['**/*.ts'],
    extends: [eslint.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      // Any circular import is an error (`import type` edges are erased at run time and not followed).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // `const { passwordHash: _hash, ...profile } = user` and `_`-prefixed parameters are deliberate.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // A variable that a callback reads before its one assignment (the server's handler in test/support/tcp-proxy.ts) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Off: `async` without `await` is how this code implements Promise-returning contracts
      // (Fastify hooks, Nest guard and ThrottlerGuard overrides, test doubles) and turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
    },
  },

  {
    files: TEST_FILES,
    rules: {
      // Off in tests: HTTP response bodies and raw SQL rows are `any` by design of the test clients
      // (`fetch().json()` over real HTTP, `dataSource.query()`); typing every assertion on them
      // would take hundreds of casts for no safety the assertions do not already give.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },

  {
    // The boundaries of the modules, in both directions (see MODULES).
    files: ['src/**/*.ts', 'test/fixtures/**/*.ts'],
    ignores: COMPOSITION,
    rules: { 'import-x/no-restricted-paths': ['error', { zones: moduleBoundaries }] },
  },

  prettier,
);
