import { getQueueToken } from '@nestjs/bullmq';
import { type Job, type Queue, Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '../../backend/src/modules/audit/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import type { JobView, QueueSummary } from '../../backend/src/modules/queues-admin/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { JobName, QueueName } from '../../backend/src/platform/queue/index.js';
import { ApiClient } from '../support/api-client.js';
import { waitFor } from '../support/backend-process.js';
import { startTestApp, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';

/**
 * The queue dashboard against the real Redis: the app runs as `api` (no workers of its own), so
 * jobs stay where the test puts them; where a job must run, the test starts a real BullMQ worker
 * on the app's queue.
 */
describe('queues admin', () => {
  let t: TestApp;
  let admin: ApiClient;
  let officer: ApiClient;
  const workers: Worker[] = [];

  const queue = (name: QueueName) => t.app.get<Queue>(getQueueToken(name), { strict: false });
  const summaryOf = async (name: string) => {
    const res = await admin.get<{ data: QueueSummary[]; total: number }>('/api/v1/queues');
    expect(res.status).toBe(200);
    return res.body.data.find((q) => q.name === name)!;
  };
  function worker(name: QueueName, process: (job: Job) => Promise<unknown>) {
    const w = new Worker(name, process, { connection: { url: t.config.REDIS_URL, maxRetriesPerRequest: null }, prefix: `{${t.config.QUEUE_PREFIX}}` });
    workers.push(w);
    return w;
  }
  const auditActions = async () => (await t.app.get(AuditService).search({ action: 'queue.' }, { offset: 0, limit: 100, order: 'ASC' })).data;

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    const users = t.app.get(UsersService);
    await users.create({ email: 'admin@clinic.test', displayName: 'A', role: Role.Admin, password: PASSWORD });
    await users.create({ email: 'officer@clinic.test', displayName: 'C', role: Role.ComplianceOfficer, password: PASSWORD });
    admin = new ApiClient(t.baseUrl);
    await admin.signInAndEnroll('admin@clinic.test', PASSWORD);
    officer = new ApiClient(t.baseUrl);
    await officer.signInAndEnroll('officer@clinic.test', PASSWORD);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
  });

  it('lists every queue the app defines, with counts that reflect the jobs added', async () => {
    const before = await admin.get<{ data: QueueSummary[]; total: number }>('/api/v1/queues');
    expect(before.body.data.map((q) => q.name)).toEqual(Object.values(QueueName));
    expect(before.body.total).toBe(Object.values(QueueName).length);
    expect(before.body.data.every((q) => !q.isPaused && Object.values(q.counts).every((n) => n === 0))).toBe(true);

    await queue(QueueName.Imports).add(JobName.ImportsRun, { importId: '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f' });
    await queue(QueueName.Imports).add(JobName.ImportsRun, { importId: '7a1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f' });
    await queue(QueueName.Webhooks).add(JobName.WebhooksDeliver, { deliveryId: '4411' }, { delay: 3_600_000 });
    await queue(QueueName.Delivery).add(JobName.DeliveryProbeDomain, { domain: 'rivera-family-clinic.example' });

    expect((await summaryOf(QueueName.Imports)).counts).toEqual({ waiting: 2, active: 0, delayed: 0, failed: 0, completed: 0, paused: 0 });
    expect((await summaryOf(QueueName.Webhooks)).counts).toMatchObject({ waiting: 0, delayed: 1 });
    expect((await summaryOf(QueueName.Delivery)).counts).toMatchObject({ waiting: 1 });

    const delayed = await admin.get<{ data: JobView[]; total: number }>('/api/v1/queues/webhooks/jobs?state=delayed');
    expect(delayed.status).toBe(200);
    expect(delayed.body.total).toBe(1);
    const [job] = delayed.body.data;
    expect(job).toMatchObject({
      name: JobName.WebhooksDeliver,
      state: 'delayed',
      attemptsMade: 0,
      failedReason: null,
      data: [{ key: 'deliveryId', ids: ['4411'] }],
    });
    expect(Date.parse(job.runAt!) - Date.parse(job.createdAt)).toBe(3_600_000);

    // A value that is not an identifier is never echoed, only its key.
    const probes = await admin.get<{ data: JobView[] }>('/api/v1/queues/delivery/jobs?state=waiting');
    expect(probes.body.data.map((j) => j.data)).toEqual([[{ key: 'domain', ids: null }]]);
    expect(JSON.stringify(probes.body)).not.toContain('rivera');

    const page2 = await admin.get<{ data: JobView[]; total: number }>('/api/v1/queues/imports/jobs?state=waiting&page=2&perPage=1');
    expect(page2.body.total).toBe(2);
    expect(page2.body.data).toHaveLength(1);
    expect(page2.body.data[0].data).toEqual([{ key: 'importId', ids: ['6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f'] }]);

    expect((await admin.get('/api/v1/queues/imports/jobs?state=paused')).status).toBe(400);
  });

  it('shows a failed job with its reason, retries it (audited) and refuses to retry it twice', async () => {
    const campaigns = queue(QueueName.Campaigns);
    let runs = 0;
    worker(QueueName.Campaigns, () => {
      runs += 1;
      return runs === 1 ? Promise.reject(new Error('fan-out refused by the database')) : Promise.resolve('ok');
    });
    const added = await campaigns.add(JobName.CampaignsFanOut, { campaignId: 'c0ffee00-0000-4000-8000-000000000001' }, { attempts: 1 });
    await waitFor(async () => ((await campaigns.getJobCounts('failed')).failed === 1 ? true : undefined), 10_000, 'the job to fail');

    expect((await summaryOf(QueueName.Campaigns)).counts).toMatchObject({ failed: 1, completed: 0 });
    const failed = await admin.get<{ data: JobView[]; total: number }>('/api/v1/queues/campaigns/jobs?state=failed');
    expect(failed.body.total).toBe(1);
    expect(failed.body.data[0]).toMatchObject({
      id: added.id,
      name: JobName.CampaignsFanOut,
      state: 'failed',
      attemptsMade: 1,
      maxAttempts: 1,
      failedReason: 'fan-out refused by the database',
      data: [{ key: 'campaignId', ids: ['c0ffee00-0000-4000-8000-000000000001'] }],
    });
    expect(failed.body.data[0].finishedAt).not.toBeNull();

    const retried = await admin.post<JobView>(`/api/v1/queues/campaigns/jobs/${added.id!}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: added.id, state: 'waiting', attemptsMade: 0, failedReason: null });
    await waitFor(async () => ((await campaigns.getJobCounts('completed')).completed === 1 ? true : undefined), 10_000, 'the retried job to complete');
    expect(runs).toBe(2);
    expect((await summaryOf(QueueName.Campaigns)).counts).toMatchObject({ failed: 0, completed: 1 });

    const again = await admin.post(`/api/v1/queues/campaigns/jobs/${added.id!}/retry`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'job_not_failed' });
    expect((await admin.post('/api/v1/queues/campaigns/jobs/no-such-job/retry')).status).toBe(404);

    const retriedEntries = (await auditActions()).filter((e) => e.action === 'queue.job-retried');
    expect(retriedEntries).toHaveLength(1);
    expect(retriedEntries[0]).toMatchObject({ subjectType: 'queue', subjectId: 'campaigns', actorType: 'user', details: { jobId: added.id } });
  });

  it('removes a job (audited)', async () => {
    const imports = queue(QueueName.Imports);
    const job = await imports.add(JobName.ImportsRun, { importId: '8b1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f' }, { jobId: 'import-to-remove' });
    const waitingBefore = (await summaryOf(QueueName.Imports)).counts.waiting;

    const removed = await admin.request('DELETE', `/api/v1/queues/imports/jobs/${job.id!}`);
    expect(removed.status).toBe(204);
    expect(await imports.getJob('import-to-remove')).toBeUndefined();
    expect((await summaryOf(QueueName.Imports)).counts.waiting).toBe(waitingBefore - 1);
    expect((await admin.request('DELETE', `/api/v1/queues/imports/jobs/${job.id!}`)).status).toBe(404);
    expect((await auditActions()).filter((e) => e.action === 'queue.job-removed').map((e) => e.details)).toEqual([
      { jobId: 'import-to-remove', jobName: JobName.ImportsRun, state: 'waiting' },
    ]);
  });

  it('pauses a queue so that workers take nothing from it, and resumes it', async () => {
    const maintenance = queue(QueueName.Maintenance);
    const paused = await admin.post<QueueSummary>('/api/v1/queues/maintenance/pause');
    expect(paused.status).toBe(200);
    expect(paused.body.isPaused).toBe(true);
    expect(await maintenance.isPaused()).toBe(true);

    const processed: string[] = [];
    worker(QueueName.Maintenance, (job) => {
      processed.push(String(job.id));
      return Promise.resolve();
    });
    await maintenance.add(JobName.MaintenanceSweep, { scheduledAt: new Date().toISOString() }, { jobId: 'sweep-while-paused' });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(processed).toEqual([]);
    expect((await summaryOf(QueueName.Maintenance)).counts).toMatchObject({ waiting: 1, paused: 1 });

    const resumed = await admin.post<QueueSummary>('/api/v1/queues/maintenance/resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body.isPaused).toBe(false);
    await waitFor(() => Promise.resolve(processed.length === 1 ? true : undefined), 10_000, 'the job to run after resume');
    expect(processed).toEqual(['sweep-while-paused']);
    expect((await summaryOf(QueueName.Maintenance)).counts).toMatchObject({ waiting: 0, paused: 0, completed: 1 });

    const actions = (await auditActions()).filter((e) => e.subjectId === 'maintenance').map((e) => e.action);
    expect(actions).toEqual(['queue.paused', 'queue.resumed']);
  });

  it('answers 404 naming the queue for an unknown name', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/queues/mail-merge/jobs'],
      ['POST', '/api/v1/queues/mail-merge/pause'],
      ['POST', '/api/v1/queues/mail-merge/jobs/1/retry'],
    ] as const) {
      const res = await admin.request(method, path, method === 'POST' ? {} : undefined);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toMatchObject({ code: 'queue_not_found' });
      expect((res.body as { message: string }).message).toContain('"mail-merge"');
    }
  });

  it('is for administrators only', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/queues'],
      ['GET', '/api/v1/queues/imports/jobs?state=failed'],
      ['POST', '/api/v1/queues/imports/pause'],
      ['DELETE', '/api/v1/queues/imports/jobs/1'],
    ] as const) {
      const res = await officer.request(method, path, method === 'POST' ? {} : undefined);
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(await queue(QueueName.Imports).isPaused()).toBe(false);
  });
});
