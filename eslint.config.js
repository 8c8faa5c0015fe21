// ESLint flat config (`npm run lint`, run by .ci/run before the tests). Kept modest on purpose:
// every rule here is clean today and a new error fails CI. Formatting is not linted (no formatter
// has been run over the code base yet).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Spreading an attacker-sized array into a call (`push(...arr)`, `Math.max(...arr)`,
// `String.fromCharCode(...arr)`, `f.apply(null, arr)`) throws RangeError past ~100k elements:
// use the loops in src/util/arrays.ts (docs/hostile-input.md).
const noSpreadIntoCalls = [
  {
    selector: 'CallExpression > SpreadElement',
    message: 'Do not spread into a call: an unbounded array overflows the stack (src/util/arrays.ts has pushAll, minOf, maxOf).',
  },
  {
    selector: 'NewExpression > SpreadElement',
    message: 'Do not spread into a constructor call: an unbounded array overflows the stack.',
  },
  {
    selector: "CallExpression > MemberExpression.callee[property.name='apply']",
    message: 'Do not use .apply(): it spreads an array into a call (use a loop).',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'fixtures/demo/image/', '**/*.d.mts', 'build/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...noSpreadIntoCalls] },
  },
  {
    // A V8 flag set at run time must be one V8_FLAG_DEFAULTS knows, or the CLI's code cache is
    // rejected on every start (src/util/v8-flags.ts).
    files: ['src/**/*.ts'],
    ignores: ['src/util/v8-flags.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'node:v8', importNames: ['setFlagsFromString'], message: 'Set V8 flags with setV8Flag (src/util/v8-flags.ts): the code cache needs to know every flag set.' }] }],
    },
  },
  {
    // Tests, benches and fixture generators handle their own small, known inputs, and tests
    // assert on control characters on purpose.
    files: ['test/**', 'bench/**', 'fixtures/**'],
    rules: { 'no-control-regex': 'off' },
  },
);
