import type { z } from 'zod';
import { path } from '../../activities/atlas/path';
import { parseRetryAfter } from '../../activities/atlas/retry-after';
import {
  AtlasEnvelopeSchema,
  AtlasErrorBodySchema,
  atlasPageSchema,
  TenantRestoreJobSchema,
  TenantSnapshotSchema,
} from '../../activities/atlas/schemas';

/** The v1.0 docs' example create response, verbatim. */
const DOCS_CREATE_RESPONSE = {
  clusterName: 'M2AWS',
  deliveryType: 'RESTORE',
  expirationDate: '2019-05-29T13:10:27Z',
  id: '5cee4c83e7a2e10d2ad35971',
  projectId: '571c390a7cea7e4dbf32b625',
  restoreScheduledDate: '2019-05-29T09:10:27Z',
  snapshotFinishedDate: '2019-05-28T14:44:01Z',
  snapshotId: '5ced491ce7a2e10517c81fa7',
  status: 'PENDING',
  targetDeploymentItemName: 'M2AWS',
  targetProjectId: '571c390a7cea7e4dbf32b625',
};

const SNAPSHOT = {
  expiration: '2026-08-10T17:05:10Z',
  finishTime: '2026-08-02T17:06:56Z',
  id: '6a6f78e0cab84da5c4476b25',
  mongoDBVersion: '8.0.29',
  scheduledTime: '2026-08-02T17:05:10Z',
  startTime: '2026-08-02T17:05:37Z',
  status: 'COMPLETED',
};

const { id: _id, ...jobWithoutId } = DOCS_CREATE_RESPONSE;
const { status: _status, ...jobWithoutStatus } = DOCS_CREATE_RESPONSE;
const JobPageSchema = atlasPageSchema(TenantRestoreJobSchema);

describe('Atlas response schemas', () => {
  test.each<{ name: string; schema: z.ZodType; input: unknown; ok: boolean }>([
    {
      name: "the docs' example create response",
      schema: TenantRestoreJobSchema,
      input: DOCS_CREATE_RESPONSE,
      ok: true,
    },
    {
      name: 'a download job with snapshotUrl and links',
      schema: TenantRestoreJobSchema,
      input: {
        ...DOCS_CREATE_RESPONSE,
        deliveryType: 'DOWNLOAD',
        status: 'COMPLETED',
        snapshotUrl: 'https://example.invalid/s',
        links: [{ href: 'https://cloud.mongodb.com/x', rel: 'self' }],
      },
      ok: true,
    },
    {
      name: 'a job with null optional fields',
      schema: TenantRestoreJobSchema,
      input: { id: 'a', status: 'RUNNING', restoreFinishedDate: null },
      ok: true,
    },
    { name: 'a job without id', schema: TenantRestoreJobSchema, input: jobWithoutId, ok: false },
    { name: 'a job without status', schema: TenantRestoreJobSchema, input: jobWithoutStatus, ok: false },
    {
      name: 'a job with a numeric id',
      schema: TenantRestoreJobSchema,
      input: { ...DOCS_CREATE_RESPONSE, id: 5 },
      ok: false,
    },
    { name: 'a snapshot', schema: TenantSnapshotSchema, input: SNAPSHOT, ok: true },
    { name: 'a snapshot without id', schema: TenantSnapshotSchema, input: { status: 'COMPLETED' }, ok: false },
    {
      name: 'a page with totalCount',
      schema: JobPageSchema,
      input: { results: [DOCS_CREATE_RESPONSE], totalCount: 1 },
      ok: true,
    },
    {
      name: 'a page without totalCount (includeCount=false)',
      schema: JobPageSchema,
      input: { results: [], links: [] },
      ok: true,
    },
    { name: 'a page whose item lacks an id', schema: JobPageSchema, input: { results: [jobWithoutId] }, ok: false },
    { name: 'a page without results', schema: JobPageSchema, input: { totalCount: 0 }, ok: false },
    {
      name: 'a page with a negative totalCount',
      schema: JobPageSchema,
      input: { results: [], totalCount: -1 },
      ok: false,
    },
    {
      name: 'an error body with null detail',
      schema: AtlasErrorBodySchema,
      input: { error: 401, errorCode: 'UNEXPECTED_ERROR', detail: null, reason: 'Unauthorized' },
      ok: true,
    },
    {
      name: 'the CLUSTER_NOT_FOUND error body',
      schema: AtlasErrorBodySchema,
      input: {
        detail: 'No cluster named cluster-833 exists in group b0123456789abcdef012345b.',
        error: 404,
        errorCode: 'CLUSTER_NOT_FOUND',
        parameters: ['cluster-833', 'b0123456789abcdef012345b'],
        reason: 'Not Found',
      },
      ok: true,
    },
    { name: 'an error body without error', schema: AtlasErrorBodySchema, input: { errorCode: 'X' }, ok: false },
    {
      name: 'an envelope',
      schema: AtlasEnvelopeSchema,
      input: { status: 200, content: DOCS_CREATE_RESPONSE },
      ok: true,
    },
    { name: 'an envelope without status', schema: AtlasEnvelopeSchema, input: { content: {} }, ok: false },
  ])('$name → ok=$ok', ({ schema, input, ok }) => {
    expect(schema.safeParse(input).success).toBe(ok);
  });

  test('keeps fields Atlas adds later', () => {
    const job = TenantRestoreJobSchema.parse({ ...DOCS_CREATE_RESPONSE, submittedAt: '2019-05-29T09:10:27Z' });
    expect(job).toMatchObject({ id: DOCS_CREATE_RESPONSE.id, submittedAt: '2019-05-29T09:10:27Z' });
    const page = JobPageSchema.parse({ results: [], totalCount: 0, nextCursor: 'x' });
    expect(page).toHaveProperty('nextCursor', 'x');
  });
});

describe('parseRetryAfter', () => {
  const NOW = Date.UTC(2015, 9, 21, 7, 28, 0); // Wed, 21 Oct 2015 07:28:00 GMT

  test.each<{ value: string | undefined; expected: number | undefined }>([
    { value: undefined, expected: undefined },
    { value: '', expected: undefined },
    { value: '55', expected: 55 },
    { value: ' 120 ', expected: 120 },
    { value: '0', expected: 0 },
    { value: '-5', expected: undefined },
    { value: '1.5', expected: undefined },
    { value: '1e3', expected: undefined },
    { value: '2', expected: 2 },
    { value: 'soon', expected: undefined },
    { value: '99999999999999999999', expected: undefined },
    { value: 'Wed, 21 Oct 2015 07:28:30 GMT', expected: 30 },
    { value: 'Wed, 21 Oct 2015 07:27:00 GMT', expected: 0 },
    { value: 'Wednesday, 21-Oct-15 07:29:00 GMT', expected: 60 },
    { value: 'Wed Oct 21 07:28:10 2015', expected: 10 },
    { value: 'Wed, 31 Feb 2015 07:28:30 GMT', expected: undefined },
    { value: '2015-10-21T07:28:30Z', expected: undefined },
    { value: 'Wed, 21 Oct 2015 07:28:30 PST', expected: undefined },
  ])('$value → $expected', ({ value, expected }) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  test('rounds a fractional wait up', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', NOW + 500)).toBe(30);
  });
});

describe('path', () => {
  test.each<{ name: string; build: () => string; expected: string }>([
    {
      name: 'plain ids',
      build: () => path`/groups/${'571c390a7cea7e4dbf32b625'}/clusters/${'M2AWS'}`,
      expected: '/groups/571c390a7cea7e4dbf32b625/clusters/M2AWS',
    },
    { name: 'a slash', build: () => path`/clusters/${'a/b'}/x`, expected: '/clusters/a%2Fb/x' },
    { name: 'a query and fragment', build: () => path`/c/${'x?y=1#z'}`, expected: '/c/x%3Fy%3D1%23z' },
    { name: 'spaces and unicode', build: () => path`/c/${'my cluster é'}`, expected: '/c/my%20cluster%20%C3%A9' },
    { name: 'a dot inside a value', build: () => path`/c/${'a..b'}`, expected: '/c/a..b' },
    { name: 'an encoded traversal', build: () => path`/c/${'../admin'}`, expected: '/c/..%2Fadmin' },
    { name: 'no values', build: () => path`/api/atlas/v1.0`, expected: '/api/atlas/v1.0' },
  ])('encodes $name', ({ build, expected }) => {
    expect(build()).toBe(expected);
  });

  test.each<{ name: string; value: unknown; message: RegExp }>([
    { name: 'an empty string', value: '', message: /must not be empty/ },
    { name: '"."', value: '.', message: /must not be "\."/ },
    { name: '".."', value: '..', message: /must not be "\.\."/ },
    { name: 'a number', value: 5, message: /must be a string, got number/ },
    { name: 'undefined', value: undefined, message: /must be a string, got undefined/ },
    { name: 'null', value: null, message: /must be a string, got null/ },
    { name: 'an object', value: { toString: () => 'x' }, message: /must be a string, got object/ },
  ])('rejects $name', ({ value, message }) => {
    expect(() => path`/groups/${value}`).toThrow(TypeError);
    expect(() => path`/groups/${value}`).toThrow(message);
  });
});
