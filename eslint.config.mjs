// Lint rules. The workflow sandbox override is the important part: workflow code must stay deterministic, so it
// may not import Node built-ins, undici, or activity values (activities are imported as types only).
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const WORKFLOW_FILES = ['workflows/**/*.ts', 'test/fixtures/test-workflows.ts'];
/** The contract is shared with workflow code: pure TypeScript, no Node built-ins. */
const CONTRACT_FILES = ['contract/**/*.ts'];
const NODE_BUILTINS = builtinModules
  .flatMap((m) => [m, `node:${m}`])
  .map((name) => ({
    name,
    message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.',
  }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
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
            ...NODE_BUILTINS,
            { name: 'undici', message: 'Workflow code must not do I/O: call an activity.' },
            { name: 'zod', message: 'Keep zod out of the workflow bundle: validation runs in a local activity.' },
          ],
          patterns: [
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Import activities as types only (`import type`) and call them through proxyActivities.',
            },
            {
              group: ['undici/*', '@temporalio/worker', '@temporalio/client', '@temporalio/activity'],
              message: 'Not available in the workflow sandbox.',
            },
            {
              group: ['**/contract/restore', '**/contract/atlas-ids'],
              allowTypeImports: true,
              message: 'These modules load zod; import names and helpers from contract/restore-names.',
            },
            {
              group: ['**/contract/webhook-signature'],
              message: 'Signing needs node:crypto, which the workflow sandbox lacks: webhooks are sent by an activity.',
            },
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
  },
  {
    files: CONTRACT_FILES,
    // The webhook signature is part of the contract (senders and receivers share it) but needs node:crypto; the
    // workflow rule above keeps it out of workflow code instead.
    ignores: ['contract/webhook-signature.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: NODE_BUILTINS }] },
  }
);
