import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { ExitCode, runCli } from '../../client/cli';
import { InvalidRestoreRequestError, startRestore } from '../../client/restore-client';
import type { RestoreRequestInput } from '../../contract/restore';
import { BAD_REQUESTS } from '../fixtures/bad-requests';

/**
 * Every malformed request is refused by the library and by the CLI with a message naming the problem, before
 * anything talks to Temporal (let alone Atlas): the client here throws if it is touched at all, and the CLI points
 * at a port where nothing listens.
 */

const untouchableClient = new Proxy({} as Client, {
  get(_target, property) {
    throw new Error(`the client was used (${String(property)}) for a request that should have been refused`);
  },
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bad-requests-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the table has at least 100 malformed requests', () => {
  expect(BAD_REQUESTS.length).toBeGreaterThanOrEqual(100);
});

describe('library', () => {
  test.each(BAD_REQUESTS)('refuses $name', async ({ input, mentions }) => {
    const err = await startRestore(untouchableClient, input as RestoreRequestInput).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRestoreRequestError);
    expect((err as Error).message).toMatch(mentions);
    expect((err as Error).message).not.toContain('secret-value');
  });
});

describe('CLI', () => {
  const env = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
  test.each(BAD_REQUESTS.map((c, i) => ({ ...c, i })))(
    'refuses $name with exit code 2',
    async ({ input, mentions, i }) => {
      const file = join(dir, `request-${i}.json`);
      writeFileSync(file, JSON.stringify(input));
      const lines: string[] = [];
      const code = await runCli(['start', '--request', file], env, (line) => lines.push(line));
      expect(code).toBe(ExitCode.USAGE);
      expect(lines.join('\n')).toMatch(mentions);
      expect(lines.join('\n')).not.toContain('secret-value');
    }
  );

  test('a request file that is not JSON is refused clearly', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"projectId": ');
    const lines: string[] = [];
    expect(await runCli(['start', '--request', file], env, (l) => lines.push(l))).toBe(ExitCode.USAGE);
    expect(lines.join('\n')).toMatch(/is not JSON/);
  });

  test.each([
    { args: ['start', '--project-id', '571c390a7cea7e4dbf32b625'], mentions: /clusterName/ },
    { args: ['start', '--bogus'], mentions: /Unknown option/ },
    { args: ['frobnicate'], mentions: /Unknown command/ },
    { args: ['status'], mentions: /workflow id/ },
    { args: ['start', '--notify-run-id', 'r'], mentions: /--notify-run-id needs --notify-workflow-id/ },
  ])('flags $args are refused with usage', async ({ args, mentions }) => {
    const lines: string[] = [];
    expect(await runCli(args, env, (l) => lines.push(l))).toBe(ExitCode.USAGE);
    expect(lines.join('\n')).toMatch(mentions);
  });
});
