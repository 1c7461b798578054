import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_SEED,
  DEFAULT_SIMULATOR_PRIVATE_KEY,
  DEFAULT_SIMULATOR_PUBLIC_KEY,
  loadSeedFile,
  SEED_CLUSTER_NAME,
  SEED_FLEX_CLUSTER_NAME,
  SEED_FLEX_SNAPSHOT_ID,
  SEED_PROJECT_ID,
  SEED_SNAPSHOT_ID,
  SeedFileError,
} from '../../simulator/seed';
import { startAtlasSimulator } from '../../simulator/server';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simulator-seed-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function seedFile(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('simulator seed', () => {
  test("the default seed holds the docs' example and credentials shaped like Atlas keys", () => {
    const project = DEFAULT_SEED.projects.find((p) => p.id === SEED_PROJECT_ID);
    const cluster = project?.clusters.find((c) => c.name === SEED_CLUSTER_NAME);

    expect(cluster?.family).toBe('tenant');
    expect(cluster?.snapshots.find((s) => s.id === SEED_SNAPSHOT_ID)?.finishTime).toBe('2019-05-28T14:44:01Z');
    expect(cluster?.snapshots.length).toBeGreaterThanOrEqual(3);
    expect(project?.clusters.length).toBeGreaterThanOrEqual(2);
    expect(DEFAULT_SIMULATOR_PUBLIC_KEY).toMatch(/^[a-z]{8}$/);
    expect(DEFAULT_SIMULATOR_PRIVATE_KEY).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test('the default seed holds the Flex cluster and snapshot of the recorded Flex traffic', () => {
    const project = DEFAULT_SEED.projects.find((p) => p.id === SEED_PROJECT_ID);
    const flex = project?.clusters.find((c) => c.name === SEED_FLEX_CLUSTER_NAME);

    expect(flex?.family).toBe('flex');
    expect(flex?.snapshots.find((s) => s.id === SEED_FLEX_SNAPSHOT_ID)?.finishTime).toBe('2026-08-02T17:06:56Z');
  });

  test('a valid file loads with defaults filled in', async () => {
    const path = await seedFile('valid.json', {
      projects: [
        {
          id: '5e2211c17a3e5a48f5497de3',
          clusters: [{ name: 'Flexy', family: 'flex', snapshots: [{ id: '5e2211c17a3e5a48f5497de4' }] }],
        },
      ],
    });

    await expect(loadSeedFile(path)).resolves.toEqual({
      projects: [
        {
          id: '5e2211c17a3e5a48f5497de3',
          clusters: [
            {
              name: 'Flexy',
              family: 'flex',
              snapshots: [{ id: '5e2211c17a3e5a48f5497de4', status: 'COMPLETED', mongoDBVersion: '7.0.14' }],
            },
          ],
        },
      ],
    });
  });

  test.each([
    {
      name: 'a malformed project id',
      content: { projects: [{ id: 'nope', clusters: [] }] },
      message: /must be a 24-character lowercase hexadecimal Atlas id\n {2}→ at projects\[0\]\.id/,
    },
    {
      name: 'an unknown key',
      content: { projects: [{ id: SEED_PROJECT_ID, clusters: [{ name: 'A', tier: 'M2' }] }] },
      message: /Unrecognized key: "tier"\n {2}→ at projects\[0\]\.clusters\[0\]/,
    },
    {
      name: 'a bad snapshot date',
      content: {
        projects: [
          {
            id: SEED_PROJECT_ID,
            clusters: [{ name: 'A', snapshots: [{ id: SEED_SNAPSHOT_ID, finishTime: 'yesterday' }] }],
          },
        ],
      },
      message: /→ at projects\[0\]\.clusters\[0\]\.snapshots\[0\]\.finishTime/,
    },
    {
      name: 'a duplicate snapshot id',
      content: {
        projects: [
          {
            id: SEED_PROJECT_ID,
            clusters: [
              { name: 'A', snapshots: [{ id: SEED_SNAPSHOT_ID }] },
              { name: 'B', snapshots: [{ id: SEED_SNAPSHOT_ID }] },
            ],
          },
        ],
      },
      message:
        /duplicate snapshot id 5ced491ce7a2e10517c81fa7\n {2}→ at projects\[0\]\.clusters\[1\]\.snapshots\[0\]\.id/,
    },
    {
      name: 'a negative restore phase',
      content: {
        projects: [{ id: SEED_PROJECT_ID, clusters: [{ name: 'A', restoreTiming: { runningMs: -1 } }] }],
      },
      message: /→ at projects\[0\]\.clusters\[0\]\.restoreTiming\.runningMs/,
    },
    { name: 'text that is not JSON', content: '{"projects": [', message: /is not valid JSON/ },
  ])('a file with $name fails naming the file and the problem', async ({ name, content, message }) => {
    const path = await seedFile(`${name.replace(/\W+/g, '-')}.json`, content);

    const error = await loadSeedFile(path).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SeedFileError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(message);
  });

  test('a missing file fails naming the file', async () => {
    await expect(loadSeedFile(join(dir, 'absent.json'))).rejects.toThrow(
      new RegExp(`^Cannot read seed file ${join(dir, 'absent.json')}: ENOENT`)
    );
  });

  test('the simulator refuses an invalid seed passed in code', async () => {
    await expect(startAtlasSimulator({ seed: { projects: [{ id: 'x' }] } })).rejects.toThrow(
      /^Invalid simulator seed:\n✖ must be a 24-character/
    );
  });
});
