import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataConverterFor } from '../../codec/payload-encryption';
import { TEST_PAYLOAD_KEYS } from '../helpers/restore-test-kit';
import {
  DefaultLogger,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';

/**
 * Determinism guard: every recorded history in test/fixtures/histories must replay on today's workflow code.
 * A change that would break running restores fails here; route such changes through `patched()`.
 * Refresh the fixtures with `RECORD_HISTORIES=1 npx jest --selectProjects temporal`.
 */

const HISTORY_DIR = join(__dirname, '..', 'fixtures', 'histories');
const histories = readdirSync(HISTORY_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
});

test('there are recorded histories to replay', () => {
  expect(histories).toEqual(
    expect.arrayContaining([
      'adopted.json',
      'completed.json',
      'continued-as-new.json',
      'deadline.json',
      'download-encrypted.json',
      'failed.json',
      'flex-auto.json',
      'poll-now.json',
      'tenant-auto.json',
    ])
  );
});

test.each(histories)('%s replays without nondeterminism', async (file) => {
  const { workflowId, history } = JSON.parse(readFileSync(join(HISTORY_DIR, file), 'utf8'));
  await expect(
    Worker.runReplayHistory(
      { workflowBundle: bundle, dataConverter: dataConverterFor(TEST_PAYLOAD_KEYS) },
      history,
      workflowId
    )
  ).resolves.toBeUndefined();
});
