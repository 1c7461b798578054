// Lint rules. The workflow sandbox override is the important part: workflow code must stay deterministic, so it
// may not import Node built-ins, undici, or activity values (activities are imported as types only).
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const WORKFLOW_FILES = ['workflows/**/*.ts', 'contract/**/*.ts', 'test/fixtures/test-workflows.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'object-shorthand': 'error',
    },
  },
  {
    files: WORKFLOW_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...builtinModules.flatMap((m) => [m, `node:${m}`]).map((name) => ({
              name,
              message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.',
            })),
            { name: 'undici', message: 'Workflow code must not do I/O: call an activity.' },
          ],
          patterns: [
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Import activities as types only (`import type`) and call them through proxyActivities.',
            },
            { group: ['undici/*', '@temporalio/worker', '@temporalio/client', '@temporalio/activity'], message: 'Not available in the workflow sandbox.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Workflow code must not read the environment.' },
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'fetch', message: 'Workflow code must not do I/O: call an activity.' },
      ],
    },
  }
);
