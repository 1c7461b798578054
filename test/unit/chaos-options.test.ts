import { ChaosUsageError, parseChaosArgs } from '../../scripts/chaos-options';

describe('parseChaosArgs', () => {
  test('applies the defaults', () => {
    expect(parseChaosArgs([])).toEqual({
      help: false,
      options: { restores: 100, minutes: 20, workerKills: 10, serverRestarts: 1, credentials: 'digest' },
    });
  });

  test('reads every flag', () => {
    const command = parseChaosArgs([
      '--restores',
      '250',
      '--json',
      'out.json',
      '--minutes',
      '7.5',
      '--seed',
      '42',
      '--worker-kills',
      '12',
      '--server-restarts',
      '2',
      '--credentials',
      'service-account',
      '--start-rate',
      '2.5',
      '--keep-logs',
      'logs',
    ]);
    expect(command).toEqual({
      help: false,
      options: {
        restores: 250,
        json: 'out.json',
        minutes: 7.5,
        seed: 42,
        workerKills: 12,
        serverRestarts: 2,
        credentials: 'service-account',
        startRate: 2.5,
        keepLogs: 'logs',
      },
    });
  });

  test('--help wins over everything else', () => {
    expect(parseChaosArgs(['--restores', '5', '--help'])).toEqual({ help: true });
  });

  test.each([
    { argv: ['--restores', '0'], message: '--restores must be at least 1' },
    { argv: ['--restores', '1e3'], message: '--restores must be a whole number' },
    { argv: ['--seed', '4294967296'], message: '--seed must be at most 4294967295' },
    { argv: ['--minutes=-1'], message: '--minutes must be a number' },
    { argv: ['--credentials', 'oauth'], message: '--credentials must be digest or service-account' },
    { argv: ['--bogus'], message: "Unknown option '--bogus'" },
    { argv: ['extra'], message: 'extra' },
  ])('refuses $argv', ({ argv, message }) => {
    expect(() => parseChaosArgs(argv)).toThrow(ChaosUsageError);
    expect(() => parseChaosArgs(argv)).toThrow(message);
  });

  test('lists every bad flag at once', () => {
    expect(() => parseChaosArgs(['--restores', 'x', '--worker-kills', 'y'])).toThrow(
      '--restores must be a whole number\n--worker-kills must be a whole number'
    );
  });
});
