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
    // The core is the domain: the canonical model and its ports. It never knows HTTP, a provider or
    // a storage implementation (those depend on it).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/providers/**', '**/http/**', '**/storage/**'], message: 'core must not depend on providers, http or storage' },
      ] }],
    },
  },
  {
    // storage/ implements the core's storage port; it knows neither HTTP nor a provider.
    files: ['src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/providers/**', '**/http/**'], message: 'storage must not depend on providers or http' },
      ] }],
    },
  },
  {
    // http/ knows HTTP and nothing of providers (they arrive through the injected registry).
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/providers/**'], message: 'http must not depend on providers' },
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
