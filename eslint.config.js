import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Simulator code (src/simulator/, each provider's simulator/, its fixtures.ts and samples.ts):
 * production code reaches it only through the dynamic import() of a definition's startSimulator or
 * samples(), which this rule does not see, so configured mode never loads it
 * (test/e2e/sandbox.test.ts). Type imports are erased from the build and allowed.
 */
const SIMULATOR_CODE = {
  group: ['**/simulator/**', '**/fixtures.js', '**/samples.js'],
  allowTypeImports: true,
  message: 'production code loads simulators and samples only through import() in a definition',
};
const SIMULATOR_FILES = [
  'src/simulator/**',
  'src/providers/*/simulator/**',
  'src/providers/*/fixtures.ts',
  'src/providers/*/samples.ts',
  'src/sandbox.ts',
  'src/simulate.ts',
];

/**
 * One part of the house and what it may not import. ESLint keeps one set of options per rule and
 * file (a later block replaces an earlier one), so every part's list carries the simulator rule too.
 */
function layer(files, forbidden, message, { ignores = SIMULATOR_FILES, production = true } = {}) {
  const own = forbidden.length > 0 ? [{ group: forbidden, message }] : [];
  return {
    files,
    ignores,
    rules: { 'no-restricted-imports': ['error', { patterns: production ? [...own, SIMULATOR_CODE] : own }] },
  };
}

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
    files: ['**/*.mjs', 'eslint.config.js'],
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Request: 'readonly',
        Response: 'readonly',
      },
    },
  },
  // Production code never loads a simulator statically.
  layer(['src/**/*.ts'], [], ''),
  // The core is the domain: the canonical model and its ports. It never knows HTTP, a provider, the
  // upstream engine or a storage implementation (those depend on it).
  layer(
    ['src/core/**/*.ts'],
    ['**/providers/**', '**/http/**', '**/upstream/**', '**/storage/**'],
    'core must not depend on providers, http, the upstream engine or storage',
  ),
  // storage/ implements the core's storage port; it knows rows, not requests, providers or the upstream engine.
  layer(
    ['src/storage/**/*.ts'],
    ['**/providers/**', '**/http/**', '**/upstream/**'],
    'storage must not depend on providers, http or the upstream engine',
  ),
  // The upstream engine knows the core's errors, secrets and call context; never its services, storage, HTTP or a provider.
  layer(
    ['src/upstream/**/*.ts'],
    [
      '**/core/services/**',
      '**/core/connections/**',
      '**/core/storage.js',
      '**/storage/**',
      '**/http/**',
      '**/providers/**',
    ],
    'upstream may depend on the core domain types only',
  ),
  // A provider uses the upstream engine through its public surface.
  layer(
    ['src/providers/**/*.ts'],
    ['**/upstream/*', '!**/upstream/index.js'],
    'import the upstream engine from upstream/index.js',
  ),
  // Events out and the monitor run on the core (its services, ports and model); never on HTTP, a provider, the engine or a storage implementation.
  layer(
    ['src/events/**/*.ts', 'src/monitor/**/*.ts', 'src/connect/**/*.ts'],
    ['**/providers/**', '**/http/**', '**/upstream/**', '**/storage/**'],
    'events, the monitor and the connect page depend on the core only',
  ),
  // http/ knows HTTP and the core; nothing of providers (they arrive through the injected registry), storage or the upstream engine.
  layer(
    ['src/http/**/*.ts'],
    ['**/providers/**', '**/storage/**', '**/upstream/**'],
    'http depends on the core only',
  ),
  // Simulators are built on the kit and the provider's own types; never on the gateway's engine, services or storage.
  layer(
    SIMULATOR_FILES.filter((f) => f.startsWith('src/simulator') || f.includes('/simulator/')),
    ['**/upstream/**', '**/storage/**', '**/http/**', '**/core/services/**', '**/core/connections/**'],
    "a simulator stands alone: it may not use the gateway's engine, storage, http or services",
    { ignores: [], production: false },
  ),
  {
    // Page tests get their browser from one helper (launched once per file, closed on failure too).
    files: ['test/**/*.ts'],
    ignores: ['test/helpers/browser.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'playwright-core',
              allowTypeImports: true,
              message: 'launch browsers through test/helpers/browser.ts (useBrowser)',
            },
            {
              name: '@sparticuz/chromium',
              message: 'launch browsers through test/helpers/browser.ts (useBrowser)',
            },
          ],
        },
      ],
    },
  },
);
