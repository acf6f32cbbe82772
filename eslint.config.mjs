import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// Where code may import from (docs/ARCHITECTURE.md, "The bundling boundary"):
// - lib/contracts/ is pure TypeScript shared by constructs, runtime code, the CLI and tests;
// - lib/runtime/ is bundled into Lambda handlers and the capture sidecar: contracts/ and the
//   drift engine only, never aws-cdk-lib, constructs, cdk8s or a construct module.
const CDK_MODULES = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk8s', 'cdk8s-plus-27', '@aws-cdk/*'];

export default tseslint.config(
  { ignores: ['**/*.js', '**/*.d.ts', 'node_modules/**', 'cdk.out/**', 'assets/**', 'dist/**', 'test/readme/.generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs'],
    plugins: { 'import-x': importX },
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', __dirname: 'readonly', URL: 'readonly' },
    },
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'smart'],
      'prefer-const': 'error',
      'max-len': ['error', { code: 150, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreComments: false }],
      'import-x/order': ['error', {
        groups: ['builtin', 'external', 'internal', ['parent', 'sibling', 'index']],
        'newlines-between': 'never',
        alphabetize: { order: 'asc', caseInsensitive: true },
      }],
      'import-x/no-duplicates': 'error',
    },
  },
  {
    files: ['lib/**/*.ts'],
    rules: {
      '@typescript-eslint/member-ordering': ['error', {
        // aws-cdk-lib's order: static members (fromXxx imports) first, then fields, constructor, methods.
        default: ['signature', 'static-field', 'static-method', 'instance-field', 'constructor', 'instance-method'],
      }],
    },
  },
  {
    files: ['lib/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: CDK_MODULES, message: 'lib/contracts/ is pure TypeScript: no aws-cdk-lib, constructs or cdk8s.' },
          { group: ['../*', '!../contracts/*'], message: 'lib/contracts/ imports only other contracts.' },
        ],
      }],
    },
  },
  {
    files: ['lib/runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: CDK_MODULES, message: 'runtime code is bundled into handlers: no aws-cdk-lib, constructs or cdk8s.' },
          {
            group: ['../../*', '!../../contracts', '!../../contracts/*', '!../../monitoring', '../../monitoring/*', '!../../monitoring/engine', '!../../monitoring/engine/*'],
            message: 'lib/runtime/ imports only lib/contracts/ and the drift engine (lib/monitoring/engine/).',
          },
        ],
      }],
    },
  },
);
