import type { MetricMeter, MetricTags } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { recordAtlasCalls } from '../../worker/atlas-call-metrics';
import { createWorkerLogger, formatJsonLogLine } from '../../worker/json-logger';
import {
  ensureSearchAttributes,
  MissingSearchAttributesError,
  type SearchAttributeOperator,
} from '../../worker/search-attribute-setup';
import { RESTORE_SEARCH_ATTRIBUTES } from '../../contract/search-attributes';

/** A metric meter that remembers what was recorded: name, value, tags. */
function recordingMeter() {
  const records: { metric: string; value: number; tags: MetricTags }[] = [];
  const instrument = (metric: string) => ({
    name: metric,
    unit: undefined,
    description: undefined,
    kind: 'counter' as const,
    valueType: 'int' as const,
    add: (value: number, tags: MetricTags = {}) => records.push({ metric, value, tags }),
    record: (value: number, tags: MetricTags = {}) => records.push({ metric, value, tags }),
    set: (value: number, tags: MetricTags = {}) => records.push({ metric, value, tags }),
    withTags: () => instrument(metric),
  });
  const meter = {
    createCounter: instrument,
    createHistogram: instrument,
    createGauge: instrument,
    withTags: () => meter,
  } as unknown as MetricMeter;
  return { meter, records };
}

describe('recordAtlasCalls', () => {
  test('counts each exchange by endpoint, family, method and status; 429s apart; times it', () => {
    const { meter, records } = recordingMeter();
    const onCall = recordAtlasCalls(meter);
    onCall({ operation: 'getRestoreJob', family: 'flex', method: 'GET', status: 200, durationMs: 12.4 });
    onCall({ operation: 'createRestoreJob', family: 'tenant-v1', method: 'POST', status: 429, durationMs: 3 });
    onCall({ operation: 'oauthToken', family: null, method: 'POST', status: 'error', durationMs: 10_000 });
    expect(records).toEqual([
      {
        metric: 'atlas_restore_atlas_requests',
        value: 1,
        tags: { endpoint: 'getRestoreJob', family: 'flex', method: 'GET', status: '200' },
      },
      {
        metric: 'atlas_restore_atlas_request_duration_ms',
        value: 12,
        tags: { endpoint: 'getRestoreJob', family: 'flex' },
      },
      {
        metric: 'atlas_restore_atlas_requests',
        value: 1,
        tags: { endpoint: 'createRestoreJob', family: 'tenant-v1', method: 'POST', status: '429' },
      },
      {
        metric: 'atlas_restore_atlas_rate_limited',
        value: 1,
        tags: { endpoint: 'createRestoreJob', family: 'tenant-v1' },
      },
      {
        metric: 'atlas_restore_atlas_request_duration_ms',
        value: 3,
        tags: { endpoint: 'createRestoreJob', family: 'tenant-v1' },
      },
      {
        metric: 'atlas_restore_atlas_requests',
        value: 1,
        tags: { endpoint: 'oauthToken', family: 'none', method: 'POST', status: 'error' },
      },
      {
        metric: 'atlas_restore_atlas_request_duration_ms',
        value: 10_000,
        tags: { endpoint: 'oauthToken', family: 'none' },
      },
    ]);
  });
});

describe('JSON logs', () => {
  const entry = {
    level: 'INFO' as const,
    message: 'Created Atlas job',
    timestampNanos: 1_795_000_000_123_000_000n,
    meta: {
      sdkComponent: 'activity',
      workflowId: 'atlas-restore/5f0c0c0c0c0c0c0c0c0c0c0c/Target',
      jobId: '6b0c6c13a9e368c178cca994',
      taskToken: 'Q2lRd01XRXlNamc0TlMxaFpUWTNMVGMz',
      attempt: 2,
    },
  };

  test('one object per line: time, level, msg, component, then the context; the task token is dropped', () => {
    expect(JSON.parse(formatJsonLogLine(entry))).toEqual({
      time: '2026-11-18T11:06:40.123Z',
      level: 'INFO',
      msg: 'Created Atlas job',
      component: 'activity',
      workflowId: 'atlas-restore/5f0c0c0c0c0c0c0c0c0c0c0c/Target',
      jobId: '6b0c6c13a9e368c178cca994',
      attempt: 2,
    });
  });

  test('errors keep name, message and stack; bigints become strings', () => {
    const error = new TypeError('boom');
    const line = JSON.parse(formatJsonLogLine({ ...entry, meta: { error, count: 12n } }));
    expect(line.error).toMatchObject({ name: 'TypeError', message: 'boom' });
    expect(line.error.stack).toContain('TypeError: boom');
    expect(line.count).toBe('12');
  });

  test('the json logger writes lines at or above its level only', () => {
    const lines: string[] = [];
    const logger = createWorkerLogger('WARN', 'json', (line) => lines.push(line));
    logger.info('quiet');
    logger.warn('Atlas rate-limit bucket nearly empty', { remaining: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'WARN',
      msg: 'Atlas rate-limit bucket nearly empty',
      remaining: 3,
    });
  });
});

describe('ensureSearchAttributes', () => {
  const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  const TEXT = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT;
  const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const all = Object.fromEntries(RESTORE_SEARCH_ATTRIBUTES.map((k) => [k.name, KEYWORD]));

  /** An operator service over an in-memory namespace. */
  function operator(custom: Record<string, number>, options: { failList?: boolean } = {}) {
    const added: Record<string, number>[] = [];
    const service: SearchAttributeOperator = {
      listSearchAttributes: async () => {
        if (options.failList) throw new Error('PERMISSION_DENIED');
        return { customAttributes: { ...custom } };
      },
      addSearchAttributes: async (request) => {
        const attributes = (request.searchAttributes ?? {}) as Record<string, number>;
        added.push(attributes);
        Object.assign(custom, attributes);
        return {};
      },
    };
    return { service, added };
  }

  test('all present: nothing to do', async () => {
    const { service, added } = operator({ ...all });
    await ensureSearchAttributes(service, 'default', false, silent);
    expect(added).toEqual([]);
  });

  test('missing and not allowed to register: refuses to start and prints the exact command', async () => {
    const { RestoreStatus: _, ...rest } = all;
    const { service } = operator(rest);
    await expect(ensureSearchAttributes(service, 'prod', false, silent)).rejects.toThrow(
      new MissingSearchAttributesError(
        'Namespace prod lacks the search attributes restores use: RestoreStatus. Register them with\n' +
          '  temporal operator search-attribute create --namespace prod --name RestoreStatus --type Keyword\n' +
          '(Temporal Cloud: tcld namespace search-attributes add, or the Cloud UI), or set ' +
          'TEMPORAL_REGISTER_SEARCH_ATTRIBUTES=true to let the worker add them'
      )
    );
  });

  test('missing and allowed to register: adds exactly the missing ones as Keyword', async () => {
    const { service, added } = operator({ AtlasProjectId: KEYWORD });
    await ensureSearchAttributes(service, 'default', true, silent);
    expect(added).toEqual([
      Object.fromEntries(
        RESTORE_SEARCH_ATTRIBUTES.filter((k) => k.name !== 'AtlasProjectId').map((k) => [k.name, KEYWORD])
      ),
    ]);
  });

  test('an attribute of another type is an error, never silently reused', async () => {
    const { service } = operator({ ...all, AtlasClusterName: TEXT });
    await expect(ensureSearchAttributes(service, 'default', true, silent)).rejects.toThrow(
      'AtlasClusterName exist in namespace default with a type other than Keyword'
    );
  });

  test('a server that does not let the worker list attributes (e.g. restricted API key): warn and go on', async () => {
    const { service, added } = operator({}, { failList: true });
    await ensureSearchAttributes(service, 'default', true, silent);
    expect(added).toEqual([]);
  });
});
