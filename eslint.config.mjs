// ESLint for Berth: typescript-eslint's recommended rules with type information (the type
// checker already runs for the build, so the project service costs little), plus the few
// project rules from STYLE.md that a linter can check. Formatting is Prettier's job alone.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'src/generated/', 'coverage/', 'node_modules/', 'test/fixtures/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // One injected logger, never console (STYLE.md 12); programs print with process.stdout.write.
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Types are imported as types, so that the emitted JavaScript loads no module for them.
      '@typescript-eslint/consistent-type-imports': 'error',
      // Async methods that implement a Promise-returning interface without awaiting are the norm here.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests hand methods of mocks to expect() and read untyped JSON bodies (supertest, fetch).
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The dashboard runs in the browser (ui/tsconfig.json types it with the DOM's library).
    files: ['ui/**/*.ts', 'ui/**/*.tsx'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Plain JavaScript configuration files, outside the TypeScript project.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
