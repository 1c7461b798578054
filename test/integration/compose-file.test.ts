import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TemporalEnvSchema } from '../../client/temporal-settings';
import {
  ComposeCheckError,
  loadComposeProject,
  type ComposeProject,
  type ComposeService,
} from '../../scripts/compose-check';
import { DEFAULT_SIMULATOR_PRIVATE_KEY, DEFAULT_SIMULATOR_PUBLIC_KEY } from '../../simulator/seed';
import { parseWorkerConfig, WorkerEnvSchema } from '../../worker/config';

const REPO_ROOT = resolve(__dirname, '../..');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** The Temporal database password's default: public, and the database publishes no port (asserted below). */
const LOCAL_DATABASE_PASSWORD = 'temporal';
const SECRET_NAME = /KEY|SECRET|PASSWORD|PWD|TOKEN/;

let project: ComposeProject;
let dir: string;
// The first load builds the checker unless scripts/test.sh did: about a minute on a 2-core machine.
beforeAll(async () => {
  project = loadComposeProject(join(REPO_ROOT, 'docker-compose.yml'), process.env, log);
  dir = await mkdtemp(join(tmpdir(), 'compose-file-'));
}, 600_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

function service(name: string): ComposeService {
  const found = project.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function env(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, v ?? '']));
}

/** The image's default command, from the Dockerfile's exec-form CMD. */
function imageCommand(): string[] {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'))?.[1];
  return cmd ? (JSON.parse(cmd) as string[]) : [];
}

/** The TypeScript source `npm run build` compiles into a `dist/….js` file. */
function sourceOf(script: string): string {
  return join(REPO_ROOT, script.replace(/^dist\/(.*)\.js$/, '$1.ts'));
}

describe('docker-compose.yml, as the Compose loader reads it', () => {
  test('runs Temporal on PostgreSQL, its UI, the simulator, the worker, and the CLI behind a profile', () => {
    expect(Object.keys(project.services).sort()).toEqual([
      'atlas-simulator',
      'cli',
      'postgresql',
      'temporal',
      'temporal-schema',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
    expect(service('cli').profiles).toEqual(['cli']);
    expect(service('postgresql').volumes).toEqual([
      expect.objectContaining({ type: 'volume', source: 'postgresql-data', target: '/var/lib/postgresql/data' }),
    ]);
    expect(env('temporal')).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
  });

  test('Temporal starts on a healthy database with its schema in place, and its clients after it', () => {
    expect(service('temporal').depends_on).toEqual({
      postgresql: { condition: 'service_healthy', required: true },
      'temporal-schema': { condition: 'service_completed_successfully', required: true },
    });
    expect(service('temporal-schema').depends_on?.postgresql?.condition).toBe('service_healthy');
    expect(service('temporal-ui').depends_on?.temporal?.condition).toBe('service_healthy');
    expect(service('worker').depends_on?.['temporal-setup']?.condition).toBe('service_completed_successfully');
  });

  test('every service waited on as healthy has a healthcheck, and every one waited on to finish is a one-shot', () => {
    const waits = Object.values(project.services).flatMap((s) => Object.entries(s.depends_on ?? {}));
    const healthy = waits.filter(([, d]) => d.condition === 'service_healthy').map(([name]) => name);
    const finished = waits.filter(([, d]) => d.condition === 'service_completed_successfully').map(([name]) => name);

    expect(healthy.filter((name) => !service(name).healthcheck?.test)).toEqual([]);
    expect(finished.filter((name) => service(name).restart !== undefined)).toEqual([]);
    expect(new Set(finished)).toEqual(new Set(['temporal-schema', 'temporal-setup']));
  });

  test('the server reads the dynamic config the file mounts, and its schema tools are the same release', () => {
    const temporal = service('temporal');
    const configs = temporal.configs ?? [];

    expect(configs.map((c) => c.target)).toContain(env('temporal').DYNAMIC_CONFIG_FILE_PATH);
    expect(project.configs?.[configs[0]?.source ?? '']?.content).toContain('limit.maxIDLength');
    const release = (image: string | undefined): string | undefined => image?.split(':')[1];
    expect(release(service('temporal-schema').image)).toBe(release(temporal.image));
    expect(release(service('temporal-setup').image)).toBe(release(temporal.image));
  });

  test('every image is pinned to a tag, never latest', () => {
    const images = Object.values(project.services).flatMap((s) => (s.image ? [s.image] : []));

    expect(images.length).toBeGreaterThanOrEqual(5);
    for (const image of images) expect(image).toMatch(/^[a-z0-9./-]+:(?!latest$)[\w.-]+$/);
  });

  test('every published port is bound to 127.0.0.1, and the database publishes none', () => {
    const published = Object.entries(project.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => `${name} ${p.host_ip ?? '*'}:${p.published}->${p.target}`)
    );

    expect(published.sort()).toEqual([
      'atlas-simulator 127.0.0.1:8081->8080',
      'temporal 127.0.0.1:7233->7233',
      'temporal-ui 127.0.0.1:8080->8080',
      'worker 127.0.0.1:9464->9464',
    ]);
    expect(service('postgresql').ports).toBeUndefined();
  });

  test('the worker, the simulator and the CLI are built from the Dockerfile and run files the build produces', () => {
    for (const name of ['worker', 'atlas-simulator', 'cli']) {
      const { build, entrypoint, command } = service(name);
      const argv = [...(entrypoint ?? []), ...(command ?? [])];
      const script = (argv.length > 0 ? argv : imageCommand()).find((arg) => arg.startsWith('dist/'));

      expect([name, build]).toEqual([name, { context: REPO_ROOT, dockerfile: 'Dockerfile' }]);
      expect([name, script && existsSync(sourceOf(script))]).toEqual([name, true]);
    }
  });

  test('the worker gets every documented variable, each one the worker reads', () => {
    const worker = env('worker');

    expect(worker).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'atlas-restore',
      ATLAS_BASE_URL: 'http://atlas-simulator:8080',
      ATLAS_ALLOW_INSECURE_HTTP: 'true',
      ATLAS_PUBLIC_KEY: DEFAULT_SIMULATOR_PUBLIC_KEY,
      ATLAS_PRIVATE_KEY: DEFAULT_SIMULATOR_PRIVATE_KEY,
      METRICS_BIND_ADDRESS: '0.0.0.0:9464',
      LOG_FORMAT: 'json',
      TEMPORAL_REGISTER_SEARCH_ATTRIBUTES: 'true',
      WEBHOOK_SECRET: '',
      WEBHOOK_ALLOWED_ORIGINS: '',
      PAYLOAD_ENCRYPTION_KEYS: '',
    });
    expect(Object.keys(worker).filter((name) => !(name in WorkerEnvSchema.shape))).toEqual([]);
    const config = parseWorkerConfig(worker, () => {
      throw new Error('no _FILE variables expected');
    });
    expect(config.atlas.baseUrl).toBe('http://atlas-simulator:8080');
    expect(config.temporal.address).toBe('temporal:7233');
  });

  test("the worker reaches the simulator where it listens, and the CLI shares the worker's Temporal settings", () => {
    const simulator = service('atlas-simulator').command ?? [];
    const port = simulator[simulator.indexOf('--port') + 1];

    expect(simulator).toEqual(expect.arrayContaining(['--host', '0.0.0.0']));
    expect(env('worker').ATLAS_BASE_URL).toBe(`http://atlas-simulator:${port}`);
    expect(env('atlas-simulator')).toMatchObject({
      ATLAS_PUBLIC_KEY: env('worker').ATLAS_PUBLIC_KEY,
      ATLAS_PRIVATE_KEY: env('worker').ATLAS_PRIVATE_KEY,
    });
    const cli = env('cli');
    expect(Object.keys(cli).filter((name) => !(name in TemporalEnvSchema.shape))).toEqual([]);
    for (const name of Object.keys(cli)) expect([name, cli[name]]).toEqual([name, env('worker')[name]]);
  });

  test("holds no secret but the simulator's public demo keys and the local database password", () => {
    const secrets = Object.keys(project.services).flatMap((name) =>
      Object.entries(env(name))
        .filter(([variable, value]) => SECRET_NAME.test(variable) && value !== '')
        .map(([variable, value]) => `${name} ${variable}=${value}`)
    );
    const allowed = [DEFAULT_SIMULATOR_PUBLIC_KEY, DEFAULT_SIMULATOR_PRIVATE_KEY, LOCAL_DATABASE_PASSWORD];

    expect(secrets.filter((entry) => !allowed.includes(entry.split('=')[1] ?? ''))).toEqual([]);
    expect(
      secrets.filter((entry) => entry.endsWith(`=${LOCAL_DATABASE_PASSWORD}`)).map((e) => e.split(' ')[0])
    ).toEqual(['postgresql', 'temporal', 'temporal-schema']);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  test('the runtime stage runs as node, declares the metrics port and uses the bundle `npm run build` writes', () => {
    const buildScript = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts.build as string;

    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(finalStage).toMatch(/^USER node$/m);
    expect(finalStage).toMatch(/^EXPOSE 9464$/m);
    expect(finalStage).toMatch(/^ENV WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js$/m);
    expect(buildScript).toContain('dist/workflow-bundle.js');
    expect(imageCommand()).toEqual(['node', 'dist/worker/main.js']);
  });
});

describe('the Compose checker', () => {
  test.each([
    {
      problem: 'an unknown service key',
      yaml: 'services:\n  web:\n    image: nginx:1.27\n    restart_policy: always\n',
      message: 'services.web.restart_policy is not allowed by the Compose specification',
    },
    {
      problem: 'a port out of range',
      yaml: 'services:\n  web:\n    image: nginx:1.27\n    ports:\n      - "127.0.0.1:99999:80"\n',
      message: 'Invalid hostPort: 99999',
    },
    {
      problem: 'a dependency on a service that does not exist',
      yaml: 'services:\n  web:\n    image: nginx:1.27\n    depends_on:\n      db:\n        condition: service_healthy\n',
      message: 'service "web" depends on undefined service "db"',
    },
  ])('refuses $problem, naming the file and the mistake', async ({ problem, yaml, message }) => {
    const file = join(dir, `${problem.replace(/\W+/g, '-')}.yml`);
    await writeFile(file, yaml);

    let error: unknown;
    try {
      loadComposeProject(file, process.env, log);
    } catch (err) {
      error = err;
    }

    expect(error).toBeInstanceOf(ComposeCheckError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain(message);
  });

  test("interpolates with defaults only, whatever the caller's environment holds", async () => {
    const file = join(dir, 'defaults.yml');
    await writeFile(
      file,
      'services:\n  web:\n    image: nginx:1.27\n    environment:\n      A: ${COMPOSE_CHECK_PROBE:-fallback}\n'
    );
    process.env.COMPOSE_CHECK_PROBE = 'from-the-shell';
    try {
      expect(loadComposeProject(file, process.env, log).services.web?.environment).toEqual({ A: 'fallback' });
    } finally {
      delete process.env.COMPOSE_CHECK_PROBE;
    }
  });
});
