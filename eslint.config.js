// Type-aware lint for the whole monorepo (STYLE.md principle 9): zero warnings allowed.
import eslint from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['**/dist/**', '**/node_modules/**', '.data/**', '.nx/**', 'test-results/**', 'coverage/**', '**/*.d.ts']),
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
      parserOptions: {
        // Each file is checked against the nearest tsconfig.json that includes it (backend/, admin-ui/, root).
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The two rules principle 9 names.
      '@typescript-eslint/no-floating-promises': 'error',
      // A switch without `default` must name every member of the union; a `default` is an explicit "all the others".
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      // React passes async handlers to onClick/onSubmit attributes and ignores what they return.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      // Nest modules, DTOs and entities are classes that exist only to carry decorators.
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      // Counts and ports read naturally in messages; objects, nullish values and unions still need an explicit conversion.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `() => setState(x)` and `void promise` are deliberate; returning void from an arrow shorthand is not confusing.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidOperator: true }],
      // Nest types its option bags as classes (NestApplicationOptions, NestApplicationContextOptions) and documents passing
      // object literals; DTO classes exist for their decorators and are filled from plain objects too. No instanceof checks rely on them.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // In a test or a benchmark a wrong `!` fails the run with a TypeError, which is what an assertion is for; guards would only add noise.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['admin-ui/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['admin-ui/**/*.tsx'],
    ...reactHooks.configs.flat.recommended,
  },
  {
    // Plain JavaScript (this file, test/summary.mjs) is in no tsconfig; lint it without type information.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
