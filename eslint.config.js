// One lint config for the whole workspace (typescript-eslint flat config).
// core and sim are pure: no timers, clocks, randomness, DOM or Node I/O. Their runtime adapters
// (`runtime*.ts`) and the sim's CLI (`packages/sim/bin/**`) are the only doors to the outside.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const impureImports = {
  patterns: [
    { group: ['node:*'], message: 'core/sim are pure: no Node APIs (inject them).' },
    {
      group: [
        'ws',
        'lit',
        'lit/*',
        '@lit/*',
        'simple-peer',
        '@thaunknown/simple-peer',
        'fs',
        'path',
        'os',
        'net',
        'crypto',
        'timers',
        'events',
        'child_process',
      ],
      message: 'core/sim are pure: inject I/O from a runtime adapter.',
    },
    {
      group: ['@pulsemesh/signal', '@pulsemesh/webrtc', '@pulsemesh/elements'],
      message: 'core/sim must not depend on I/O packages.',
    },
  ],
};
const impureGlobals = [
  'setTimeout',
  'setInterval',
  'clearTimeout',
  'clearInterval',
  'setImmediate',
  'queueMicrotask',
  'requestAnimationFrame',
  'Date',
  'performance',
  'process',
  'window',
  'document',
  'navigator',
  'globalThis',
  'crypto',
  'fetch',
  'WebSocket',
  'RTCPeerConnection',
].map((name) => ({
  name,
  message: `core/sim are pure: ${name} must be injected (clock, scheduler or transport).`,
}));

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'bench-results/**',
      '**/custom-elements.json',
      'coverage/**',
      '.tmp/**', // scratch space of local runs (gitignored, like in .prettierignore)
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['packages/core/**/*.ts', 'packages/sim/**/*.ts'],
    ignores: ['**/runtime*.ts', 'packages/sim/bin/**', '**/*.test.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', impureImports],
      'no-restricted-globals': ['error', ...impureGlobals],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the injected Random.' },
      ],
    },
  },
  {
    files: ['packages/core/**/*.test.ts', 'packages/sim/**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', ...impureGlobals.filter((g) => g.name !== 'process')],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Tests take a seed; use the seeded Random.' },
      ],
    },
  },
);
