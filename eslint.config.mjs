// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Test code: jest specs next to the code (the server's and the browser client's), the e2e suites and their support files. */
const TEST_FILES = ['test/**/*.ts', 'src/**/*.spec.ts', 'client/**/*.spec.ts'];

/**
 * Where AuthModule may be wired in by its internals: the composition root and the
 * code that assembles the whole service (every module's configuration, the Swagger
 * document, the CLIs that are AuthModule's own tools). Entities are not listed
 * anywhere (autoLoadEntities, and a glob for the TypeORM CLI), so the DataSource
 * options need no exception. Every other file in src/ (users, health, metrics, a
 * feature module) and the feature-module fixtures in test/fixtures/ go through the
 * barrel src/auth/index.ts.
 */
const AUTH_WIRING = ['src/main.ts', 'src/app.module.ts', 'src/app.factory.ts', 'src/swagger.ts', 'src/config/app-config.ts', 'src/cli/**'];

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
    // The boundary: AuthModule's code is reached only through its barrel.
    files: ['src/**/*.ts', 'test/fixtures/**/*.ts'],
    ignores: ['src/auth/**', ...AUTH_WIRING],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: ['./src', './test/fixtures'],
              from: './src/auth',
              except: ['./index.ts'],
              message: "Import AuthModule's public API from the barrel src/auth/index.ts (e.g. `from '../auth'`).",
            },
          ],
        },
      ],
    },
  },

  prettier,
);
