import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Simulator code (src/simulator/, each provider's simulator/ and its fixtures.ts): production code
 * reaches it only through the dynamic import() of a definition's startSimulator, which this rule
 * does not see, so configured mode never loads it (test/e2e/sandbox.test.ts). Type imports are
 * erased from the build and allowed.
 */
const SIMULATOR_CODE = {
  group: ['**/simulator/**', '**/fixtures.js'],
  allowTypeImports: true,
  message: 'production code loads simulators only through import() in a definition\'s startSimulator',
};

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
    // Production code never loads a simulator statically (the core and http, below, say so in their own lists).
    files: ['src/**/*.ts'],
    ignores: ['src/simulator/**', 'src/providers/*/simulator/**', 'src/providers/*/fixtures.ts', 'src/sandbox.ts', 'src/simulate.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [SIMULATOR_CODE] }],
    },
  },
  {
    // The core knows the canonical model and the adapter interface; never HTTP or a provider.
    files: ['src/core/**/*.ts', 'src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/providers/**', '**/http/**'], message: 'core/storage must not depend on providers or http' },
        SIMULATOR_CODE,
      ] }],
    },
  },
  {
    // http/ knows HTTP and nothing of providers (they arrive through the injected registry).
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/providers/**'], message: 'http must not depend on providers' },
        SIMULATOR_CODE,
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
