import { RestoreRequestSchema } from '../../contract/restore';
import { FaultPlanSchema } from '../../simulator/faults';
import { SimulatorSeedSchema } from '../../simulator/seed';
import { chaosFaultPlan, planRestores, planSchedule, spreadMoments } from '../../scripts/chaos-plan';
import { mulberry32 } from '../../simulator/seeded-random';

describe('planRestores', () => {
  const plan = planRestores(200, mulberry32(7));

  test('gives every restore its own cluster and workflow id, in a valid seed', () => {
    expect(SimulatorSeedSchema.safeParse(plan.seed).success).toBe(true);
    expect(new Set(plan.restores.map((r) => r.workflowId)).size).toBe(200);
    expect(new Set(plan.restores.map((r) => `${r.projectId}/${r.clusterName}`)).size).toBe(200);
    for (const restore of plan.restores) expect(RestoreRequestSchema.safeParse(restore.request).success).toBe(true);
  });

  test('mixes downloads (1 in 20), Flex clusters and latest snapshots', () => {
    const downloads = plan.restores.filter((r) => r.delivery === 'DOWNLOAD');
    expect(downloads).toHaveLength(10);
    for (const d of downloads) expect(d).toMatchObject({ targetProjectId: null, targetClusterName: null });
    const flex = plan.restores.filter((r) => r.clusterFamily === 'flex').length;
    expect(flex).toBeGreaterThan(30);
    expect(flex).toBeLessThan(90);
    expect(plan.restores.some((r) => r.request.snapshotId === 'latest')).toBe(true);
  });

  test('expects the newest seeded snapshot for latest, the named one otherwise', () => {
    const clusters = new Map(plan.seed.projects.flatMap((p) => (p.clusters ?? []).map((c) => [c.name, c])));
    for (const restore of plan.restores) {
      const snapshots = clusters.get(restore.clusterName)?.snapshots ?? [];
      expect(restore.snapshotId).toBe(snapshots[snapshots.length - 1]?.id);
      if (restore.request.snapshotId !== 'latest') expect(restore.request.snapshotId).toBe(restore.snapshotId);
    }
  });

  test('is the same for the same seed', () => {
    expect(planRestores(50, mulberry32(3))).toEqual(planRestores(50, mulberry32(3)));
  });
});

describe('chaosFaultPlan', () => {
  test.each(['digest', 'service-account'] as const)('is a valid plan for %s credentials', (credentials) => {
    const plan = chaosFaultPlan(credentials);
    expect(FaultPlanSchema.parse(plan)).toEqual(plan);
    expect(plan.tokenEndpoint).toBe(credentials === 'service-account');
  });
});

describe('spreadMoments', () => {
  test('puts one moment in each equal slice', () => {
    const moments = spreadMoments(10, 1000, 11_000, mulberry32(1));
    moments.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(1000 + i * 1000);
      expect(ms).toBeLessThanOrEqual(1000 + (i + 1) * 1000);
    });
  });
});

describe('planSchedule', () => {
  test('stretches a small run so the kills fit, and starts its restores across the window', () => {
    const schedule = planSchedule({ restores: 20, workerKills: 10, serverRestarts: 1 }, mulberry32(1));
    expect(schedule.windowMs).toBe(80_000);
    expect(schedule.startRate).toBe(0.25);
    expect(schedule.killsAtMs).toHaveLength(10);
    expect(schedule.serverRestartsAtMs).toHaveLength(1);
    for (const at of schedule.serverRestartsAtMs) {
      expect(at).toBeGreaterThanOrEqual(16_000);
      expect(at).toBeLessThanOrEqual(68_000);
    }
  });

  test('caps the default pace of a large run, and honours an explicit one', () => {
    expect(planSchedule({ restores: 1000, workerKills: 10, serverRestarts: 1 }, mulberry32(1))).toMatchObject({
      startRate: 4,
      windowMs: 250_000,
    });
    expect(
      planSchedule({ restores: 1000, workerKills: 10, serverRestarts: 1, startRate: 10 }, mulberry32(1))
    ).toMatchObject({ startRate: 10, windowMs: 100_000 });
  });
});
