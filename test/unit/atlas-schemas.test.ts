import { z } from 'zod';
import { path } from '../../activities/atlas/path';
import { parseRetryAfter } from '../../activities/atlas/retry-after';
import {
  AtlasEnvelopeSchema,
  AtlasErrorBodySchema,
  atlasPageSchema,
  AtlasRestoreJobSchema,
  AtlasSnapshotSchema,
  OAuthErrorBodySchema,
  OAuthTokenSchema,
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

/** The recorded Flex create response (Atlas CLI e2e, 2026-08-10), verbatim. */
const FLEX_CREATE_RESPONSE = {
  deliveryType: 'RESTORE',
  expirationDate: '2026-08-10T09:03:29Z',
  id: '6a793f812c88faeba59bc399',
  instanceName: 'snapshotCluster0',
  projectId: 'b0123456789abcdef012345b',
  restoreScheduledDate: '2026-08-10T03:03:29Z',
  snapshotFinishedDate: '2026-08-02T17:06:56Z',
  snapshotId: '6a6f78e0cab84da5c4476b25',
  status: 'PENDING',
  targetDeploymentItemName: 'cluster-833',
  targetProjectId: 'b0123456789abcdef012345b',
};

/** A v2 tenant answer: the v1.0 fields plus `links`. */
const TENANT_V2_RESPONSE = {
  ...DOCS_CREATE_RESPONSE,
  links: [
    {
      href: 'https://cloud.mongodb.com/api/atlas/v2/groups/571c390a7cea7e4dbf32b625/clusters/M2AWS/backup/tenant/restores/5cee4c83e7a2e10d2ad35971',
      rel: 'self',
    },
  ],
};

const TOKEN = { access_token: 'eyJhbGciOi.token.sig', expires_in: 3600, token_type: 'Bearer' };

const { id: _id, ...jobWithoutId } = DOCS_CREATE_RESPONSE;
const { status: _status, ...jobWithoutStatus } = DOCS_CREATE_RESPONSE;
const JobPageSchema = atlasPageSchema(AtlasRestoreJobSchema);

describe('Atlas response schemas', () => {
  test.each<{ name: string; schema: z.ZodType; input: unknown; ok: boolean }>([
    {
      name: "the docs' example create response",
      schema: AtlasRestoreJobSchema,
      input: DOCS_CREATE_RESPONSE,
      ok: true,
    },
    {
      name: 'a download job with snapshotUrl and links',
      schema: AtlasRestoreJobSchema,
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
      schema: AtlasRestoreJobSchema,
      input: { id: 'a', status: 'RUNNING', restoreFinishedDate: null },
      ok: true,
    },
    { name: 'a job without id', schema: AtlasRestoreJobSchema, input: jobWithoutId, ok: false },
    { name: 'a job without status', schema: AtlasRestoreJobSchema, input: jobWithoutStatus, ok: false },
    {
      name: 'a job with a numeric id',
      schema: AtlasRestoreJobSchema,
      input: { ...DOCS_CREATE_RESPONSE, id: 5 },
      ok: false,
    },
    { name: 'the recorded Flex create response', schema: AtlasRestoreJobSchema, input: FLEX_CREATE_RESPONSE, ok: true },
    { name: 'a v2 tenant job with links', schema: AtlasRestoreJobSchema, input: TENANT_V2_RESPONSE, ok: true },
    {
      name: 'a Flex job with a non-string instanceName',
      schema: AtlasRestoreJobSchema,
      input: { ...FLEX_CREATE_RESPONSE, instanceName: 7 },
      ok: false,
    },
    {
      name: 'a Flex page (with a next link, no prev)',
      schema: JobPageSchema,
      input: {
        links: [{ href: 'https://cloud.mongodb.com/x?includeCount=true&itemsPerPage=100&pageNum=2', rel: 'next' }],
        results: [FLEX_CREATE_RESPONSE],
        totalCount: 2160,
      },
      ok: true,
    },
    { name: 'a snapshot', schema: AtlasSnapshotSchema, input: SNAPSHOT, ok: true },
    { name: 'a snapshot without id', schema: AtlasSnapshotSchema, input: { status: 'COMPLETED' }, ok: false },
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
    { name: 'a token reply', schema: OAuthTokenSchema, input: TOKEN, ok: true },
    {
      name: 'a token reply with token_type bearer',
      schema: OAuthTokenSchema,
      input: { ...TOKEN, token_type: 'bearer' },
      ok: true,
    },
    { name: 'a token reply with extra fields', schema: OAuthTokenSchema, input: { ...TOKEN, scope: 'x' }, ok: true },
    {
      name: 'a token reply without access_token',
      schema: OAuthTokenSchema,
      input: { ...TOKEN, access_token: undefined },
      ok: false,
    },
    {
      name: 'a token reply with an empty access_token',
      schema: OAuthTokenSchema,
      input: { ...TOKEN, access_token: '' },
      ok: false,
    },
    {
      name: 'a token reply without expires_in',
      schema: OAuthTokenSchema,
      input: { ...TOKEN, expires_in: undefined },
      ok: false,
    },
    {
      name: 'a token reply with expires_in 0',
      schema: OAuthTokenSchema,
      input: { ...TOKEN, expires_in: 0 },
      ok: false,
    },
    {
      name: 'a token reply with expires_in as text',
      schema: OAuthTokenSchema,
      input: { ...TOKEN, expires_in: '3600' },
      ok: false,
    },
    {
      name: 'a token reply of another type',
      schema: OAuthTokenSchema,
      input: { ...TOKEN, token_type: 'mac' },
      ok: false,
    },
    {
      name: 'a token reply without token_type',
      schema: OAuthTokenSchema,
      input: { ...TOKEN, token_type: undefined },
      ok: false,
    },
    {
      name: 'an OAuth error body',
      schema: OAuthErrorBodySchema,
      input: { error: 'invalid_client', error_description: 'Invalid client credentials' },
      ok: true,
    },
    { name: 'an Atlas error body as OAuth', schema: OAuthErrorBodySchema, input: { error: 401 }, ok: false },
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
    const job = AtlasRestoreJobSchema.parse({ ...DOCS_CREATE_RESPONSE, submittedAt: '2019-05-29T09:10:27Z' });
    expect(job).toMatchObject({ id: DOCS_CREATE_RESPONSE.id, submittedAt: '2019-05-29T09:10:27Z' });
    const page = JobPageSchema.parse({ results: [], totalCount: 0, nextCursor: 'x' });
    expect(page).toHaveProperty('nextCursor', 'x');
  });
});

describe('restore job normalization', () => {
  test.each([
    {
      name: 'Flex instanceName becomes clusterName, and stays',
      input: FLEX_CREATE_RESPONSE,
      clusterName: 'snapshotCluster0',
    },
    { name: 'tenant v1.0 clusterName is kept', input: DOCS_CREATE_RESPONSE, clusterName: 'M2AWS' },
    { name: 'tenant v2 clusterName is kept', input: TENANT_V2_RESPONSE, clusterName: 'M2AWS' },
    {
      name: 'clusterName wins over instanceName',
      input: { ...DOCS_CREATE_RESPONSE, instanceName: 'other' },
      clusterName: 'M2AWS',
    },
    { name: 'neither leaves clusterName empty', input: { id: 'a', status: 'RUNNING' }, clusterName: undefined },
    {
      name: 'a null clusterName falls back to instanceName',
      input: { id: 'a', status: 'RUNNING', clusterName: null, instanceName: 'f' },
      clusterName: 'f',
    },
  ])('$name', ({ input, clusterName }) => {
    const job = AtlasRestoreJobSchema.parse(input);
    expect(job.clusterName ?? undefined).toBe(clusterName);
    if ('instanceName' in input) expect(job.instanceName).toBe(input.instanceName);
  });

  test('inside a page too', () => {
    const page = JobPageSchema.parse({ results: [FLEX_CREATE_RESPONSE] });
    expect(page.results[0]).toMatchObject({ clusterName: 'snapshotCluster0', instanceName: 'snapshotCluster0' });
  });

  test.each([
    {
      name: 'a restore job missing its id',
      schema: AtlasRestoreJobSchema,
      input: { status: 'COMPLETED', snapshotUrl: 'https://dl.example/secret-0xC0FFEE' },
    },
    {
      name: 'a restore job with a non-string snapshotUrl',
      schema: AtlasRestoreJobSchema,
      input: { id: 'a', status: 'COMPLETED', snapshotUrl: { href: 'https://dl.example/secret-0xC0FFEE' } },
    },
    {
      name: 'a token reply with a bad token_type',
      schema: OAuthTokenSchema,
      input: { ...TOKEN, access_token: 'secret-0xC0FFEE', token_type: 'secret-0xC0FFEE' },
    },
  ])('the formatted issues of $name never quote a value', ({ schema, input }) => {
    const result = (schema as z.ZodType).safeParse(input);
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(z.prettifyError(result.error)).not.toContain('secret-0xC0FFEE');
      expect(JSON.stringify(result.error.issues)).not.toContain('secret-0xC0FFEE');
    }
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
