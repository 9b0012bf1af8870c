import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import mailwright from './scripts/lint/layer-rules.js';

export default tseslint.config(
  {
    ignores: ['dist/', '**/node_modules/', 'mailwright-data/', '.cache/', '.build-*/', 'bench/results/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['core/**/*.ts', 'plugins/**/*.ts', 'storage-adapters/**/*.ts'],
    plugins: { mailwright },
    rules: { 'mailwright/layers': 'error' },
  },
);
