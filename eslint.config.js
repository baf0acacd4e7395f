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
    // The core knows the canonical model and the adapter interface; never HTTP or a provider.
    files: ['src/core/**/*.ts', 'src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/providers/**', '**/http/**'], message: 'core/storage must not depend on providers or http' },
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
