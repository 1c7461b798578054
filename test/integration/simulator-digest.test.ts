import { computeDigestResponse, parseDigestAuthorization } from '../../simulator/digest-auth';

/** The worked example of RFC 7616 §3.9.1. */
const RFC_7616_EXAMPLE = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  qop: 'auth',
};

describe('simulator Digest verification', () => {
  test.each([
    { algorithm: 'MD5', response: '8ca523f5e9506fed4657c9700eebdbec' },
    { algorithm: 'SHA-256', response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1' },
    { algorithm: 'sha-256', response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1' },
  ])('computes the RFC 7616 example response for $algorithm', ({ algorithm, response }) => {
    expect(computeDigestResponse({ ...RFC_7616_EXAMPLE, algorithm })).toBe(response);
  });

  test('refuses algorithms Atlas does not offer', () => {
    expect(computeDigestResponse({ ...RFC_7616_EXAMPLE, algorithm: 'SHA-512-256' })).toBeUndefined();
  });

  test.each([
    {
      name: 'quoted and unquoted values',
      header: 'Digest username="abc", qop=auth, nc=00000001, algorithm="MD5"',
      expected: { username: 'abc', qop: 'auth', nc: '00000001', algorithm: 'MD5' },
    },
    {
      name: 'commas and escapes inside quotes',
      header: 'Digest uri="/a?x=1,2", username="a\\"b\\\\c"',
      expected: { uri: '/a?x=1,2', username: 'a"b\\c' },
    },
    {
      name: 'any case in scheme and keys, loose whitespace',
      header: 'digest   UserName = "abc" ,NONCE="n+/="  ,  ',
      expected: { username: 'abc', nonce: 'n+/=' },
    },
  ])('parses $name', ({ header, expected }) => {
    expect(Object.fromEntries(parseDigestAuthorization(header) ?? [])).toEqual(expected);
  });

  test.each([
    { name: 'another scheme', header: 'Basic YTpi' },
    { name: 'an unterminated quote', header: 'Digest username="abc' },
    { name: 'a missing value', header: 'Digest username=, nonce="n"' },
    { name: 'a missing comma', header: 'Digest username="a" nonce="n"' },
    { name: 'a repeated parameter', header: 'Digest nc=00000001, nc=00000002' },
    { name: 'no parameters', header: 'Digest ' },
  ])('rejects $name', ({ header }) => {
    expect(parseDigestAuthorization(header)).toBeUndefined();
  });
});
