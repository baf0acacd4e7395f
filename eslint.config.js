import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'data/**', 'node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Plain Node scripts (build, generate, benchmarks).
    files: ['**/*.mjs'],
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', fetch: 'readonly', performance: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Request: 'readonly', Response: 'readonly' },
    },
  },
  {
    // The core is the domain: the canonical model and its ports. It never knows HTTP, a provider, the
    // upstream engine or a storage implementation (those depend on it).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/providers/**', '**/http/**', '**/upstream/**', '**/storage/**'], message: 'core must not depend on providers, http, the upstream engine or storage' },
      ] }],
    },
  },
  {
    // storage/ implements the core's storage port; it knows rows, not requests, providers or the upstream engine.
    files: ['src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/providers/**', '**/http/**', '**/upstream/**'], message: 'storage must not depend on providers, http or the upstream engine' },
      ] }],
    },
  },
  {
    // The upstream engine knows the core's errors, secrets and call context; never its services, storage, HTTP or a provider.
    files: ['src/upstream/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/core/services/**', '**/core/connections/**', '**/core/storage.js', '**/storage/**', '**/http/**', '**/providers/**'], message: 'upstream may depend on the core domain types only' },
      ] }],
    },
  },
  {
    // A provider uses the upstream engine through its public surface.
    files: ['src/providers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/upstream/*', '!**/upstream/index.js'], message: 'import the upstream engine from upstream/index.js' },
      ] }],
    },
  },
  {
    // http/ knows HTTP and the core; nothing of providers, storage or the upstream engine.
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/providers/**', '**/storage/**', '**/upstream/**'], message: 'http depends on the core only (providers arrive through the injected registry)' },
      ] }],
    },
  },
  {
    // Page tests get their browser from one helper (launched once per file, closed on failure too).
    files: ['test/**/*.ts'],
    ignores: ['test/helpers/browser.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [
        { name: 'playwright-core', allowTypeImports: true, message: 'launch browsers through test/helpers/browser.ts (useBrowser)' },
        { name: '@sparticuz/chromium', message: 'launch browsers through test/helpers/browser.ts (useBrowser)' },
      ] }],
    },
  },
);
