import { describe, expect, it } from 'vitest';
import { fakeCore } from '../fakes/fake-jobs.js';
import { fakeRemote } from '../fakes/fake-scheduler.js';

// The way back from a poll, over a FAKE scheduler: what a job becomes from what Slurm lists.
const alice = { username: 'alice', isAdmin: false };

describe('Reconciler', () => {
  it('follows a job Slurm lists under its id with its tag and account', async () => {
    const core = fakeCore();
    const job = await core.addJob({ status: 'PENDING', remoteJobId: '7', remoteStarted: null });
    core.scheduler.jobs.set('7', fakeRemote('7', { gatewayJobId: job.id }));
    await core.cycle();
    expect((await core.store.get(job.id))!.status).toBe('RUNNING');
  });

  it('never takes another job under the same id for it (a reused id), and marks it lost in time', async () => {
    const core = fakeCore({ lostAfterMs: 10_000 });
    const job = await core.addJob({ remoteJobId: '7' });
    // The controller lost its state and gave id 7 to another job (another tag), which ended.
    core.scheduler.jobs.set(
      '7',
      fakeRemote('7', {
        gatewayJobId: 'someone-else',
        state: 'COMPLETED',
        phase: 'ended',
        outcome: 'completed',
        exitCode: 0,
        exitSignal: 0,
      }),
    );
    const t0 = new Date();
    await core.cycle(t0);
    expect((await core.store.get(job.id))!).toMatchObject({
      status: 'RUNNING',
      remoteState: 'RUNNING',
    });
    await core.cycle(new Date(t0.getTime() + 9_000));
    expect((await core.store.get(job.id))!.status).toBe('RUNNING');
    await core.cycle(new Date(t0.getTime() + 10_000));
    const lost = (await core.store.get(job.id))!;
    expect(lost).toMatchObject({
      status: 'FAILED',
      condition: 'REMOTE_JOB_LOST',
      remoteDone: true,
    });
    expect(lost.lastMessage).toMatch(/is now another job \(tag someone-else/);
    expect(core.scheduler.signals).toEqual([]);
  });

  it("takes a final record only when its account and submit time are the job's", async () => {
    const core = fakeCore({ lostAfterMs: 60_000 });
    const submitted = '2026-01-01T00:00:00.000Z';
    const job = await core.addJob({ remoteJobId: '20', remoteSubmitted: submitted });
    // The completion file holds two jobs under id 20: another account's, and a later one of alice.
    core.scheduler.records.push(
      fakeRemote('20', {
        remoteUser: 'bob',
        submitted,
        state: 'COMPLETED',
        phase: 'ended',
        outcome: 'completed',
        exitCode: 0,
        exitSignal: 0,
      }),
      fakeRemote('20', {
        submitted: '2026-01-01T00:00:30.000Z',
        state: 'COMPLETED',
        phase: 'ended',
        outcome: 'completed',
        exitCode: 0,
        exitSignal: 0,
      }),
    );
    await core.cycle();
    expect((await core.store.get(job.id))!.status).toBe('RUNNING');
    // Its own record (same account, submitted within a second or so): taken.
    core.scheduler.records.push(
      fakeRemote('20', {
        submitted: '2026-01-01T00:00:01.000Z',
        state: 'FAILED',
        phase: 'ended',
        outcome: 'failed',
        exitCode: 3,
        exitSignal: 0,
      }),
    );
    await core.cycle();
    expect((await core.store.get(job.id))!).toMatchObject({ status: 'FAILED', exitCode: 3 });
  });

  it("finds a job's own end in the records when the queue lists its id as another job", async () => {
    const core = fakeCore({ lostAfterMs: 60_000 });
    const submitted = '2026-01-01T00:00:00.000Z';
    const job = await core.addJob({ remoteJobId: '21', remoteSubmitted: submitted });
    core.scheduler.jobs.set('21', fakeRemote('21', { gatewayJobId: 'a-new-job' }));
    core.scheduler.records.push(
      fakeRemote('21', {
        submitted,
        state: 'COMPLETED',
        phase: 'ended',
        outcome: 'completed',
        exitCode: 0,
        exitSignal: 0,
      }),
    );
    await core.cycle();
    expect((await core.store.get(job.id))!).toMatchObject({
      status: 'FINISHED',
      condition: 'NORMAL_COMPLETION',
    });
  });

  it('ignores a job of another account under the id', async () => {
    const core = fakeCore();
    const job = await core.addJob({ remoteJobId: '8' });
    core.scheduler.jobs.set(
      '8',
      fakeRemote('8', {
        gatewayJobId: job.id,
        remoteUser: 'mallory',
        state: 'CANCELLED',
        phase: 'ended',
        outcome: 'cancelled',
      }),
    );
    await core.cycle();
    expect((await core.store.get(job.id))!.status).toBe('RUNNING');
  });

  it('a job missing while the record source fails is unknown, not lost', async () => {
    const core = fakeCore({ lostAfterMs: 0 });
    const gone = await core.addJob({ remoteJobId: '9' });
    const listed = await core.addJob({ remoteJobId: '10', status: 'PENDING', remoteStarted: null });
    core.scheduler.jobs.set('10', fakeRemote('10', { gatewayJobId: listed.id }));
    core.scheduler.recordsFail = true;
    await core.cycle();
    // The listing's job is still updated; the purged one waits for the records.
    expect((await core.store.get(listed.id))!.status).toBe('RUNNING');
    expect((await core.store.get(gone.id))!.status).toBe('RUNNING');
    core.scheduler.recordsFail = false;
    await core.cycle();
    expect((await core.store.get(gone.id))!).toMatchObject({
      status: 'FAILED',
      condition: 'REMOTE_JOB_LOST',
    });
  });

  it('re-sends the cancel of a terminated job Slurm still runs, with a growing pause', async () => {
    const core = fakeCore();
    const job = await core.addJob({ remoteJobId: '11' });
    core.scheduler.jobs.set('11', fakeRemote('11', { gatewayJobId: job.id }));
    const terminated = await core.stopper.request(alice, job, 'terminate');
    expect(terminated).toMatchObject({ status: 'CANCELLED', condition: 'TERMINATED_BY_USER' });
    const sentByStop = core.scheduler.signals.length;
    expect(sentByStop).toBe(1);
    // Slurm keeps the job in COMPLETING: ten quick cycles re-send once, not ten times.
    core.scheduler.jobs.set('11', fakeRemote('11', { gatewayJobId: job.id, state: 'COMPLETING' }));
    for (let i = 0; i < 10; i++) await core.cycle();
    expect(core.scheduler.signals.length - sentByStop).toBe(1);
    // Slurm confirms: the job is done, nothing more is sent.
    core.scheduler.jobs.set(
      '11',
      fakeRemote('11', {
        gatewayJobId: job.id,
        state: 'CANCELLED',
        phase: 'ended',
        outcome: 'cancelled',
      }),
    );
    await core.cycle();
    expect((await core.store.get(job.id))!.remoteDone).toBe(true);
  });
});

describe('Stopper', () => {
  it('ten concurrent cancels send one signal', async () => {
    const core = fakeCore();
    const job = await core.addJob({ remoteJobId: '12' });
    core.scheduler.jobs.set('12', fakeRemote('12', { gatewayJobId: job.id }));
    await Promise.all(Array.from({ length: 10 }, () => core.stopper.request(alice, job, 'cancel')));
    expect(core.scheduler.signals).toHaveLength(1);
    expect(core.scheduler.signals[0]).toMatchObject({ mode: 'cancel', account: 'alice' });
  });

  it('sends nothing to a Slurm id that carries another tag, and says why', async () => {
    const core = fakeCore();
    const job = await core.addJob({ remoteJobId: '13' });
    core.scheduler.jobs.set('13', fakeRemote('13', { gatewayJobId: 'another-job' }));
    await expect(core.stopper.request(alice, job, 'cancel')).rejects.toThrow(
      /no longer carries this job's tag/,
    );
    expect(core.scheduler.signals).toEqual([{ targets: [], mode: 'cancel', account: 'alice' }]);
    expect((await core.store.get(job.id))!.stopRequest).toMatchObject({ outcome: 'FAILED' });
  });

  it('a stop while the cluster is unreachable is kept (REQUESTED) and sent once it answers', async () => {
    const core = fakeCore();
    const job = await core.addJob({ remoteJobId: '15' });
    core.scheduler.jobs.set('15', fakeRemote('15', { gatewayJobId: job.id }));
    core.scheduler.unreachable = true;
    const answered = await core.stopper.request(alice, job, 'cancel');
    expect(answered.status).toBe('RUNNING');
    expect(answered.stopRequest).toMatchObject({ mode: 'cancel', outcome: 'REQUESTED' });
    expect(answered.lastMessage).toMatch(/not sent yet .* it will be sent when fake answers/);
    expect(core.scheduler.signals).toEqual([]);
    // Polls fail while it is down; the first one that works sends the stop.
    await expect(core.cycle()).rejects.toThrow(/ECONNREFUSED/);
    core.scheduler.unreachable = false;
    await core.cycle();
    await core.locks.settle();
    expect(core.scheduler.signals).toHaveLength(1);
    expect((await core.store.get(job.id))!.stopRequest).toMatchObject({ outcome: 'SIGNALLED' });
  });

  it('a failed interrupt is never sent again unasked (it may have reached the job)', async () => {
    const core = fakeCore();
    const job = await core.addJob({
      remoteJobId: '22',
      stopRequest: {
        mode: 'interrupt',
        requestedBy: 'alice',
        requestedAt: new Date().toISOString(),
        signalledAt: null,
        outcome: 'FAILED',
        message: 'scancel failed',
      },
    });
    core.scheduler.jobs.set('22', fakeRemote('22', { gatewayJobId: job.id }));
    for (let i = 0; i < 3; i++) await core.cycle();
    await core.locks.settle();
    expect(core.scheduler.signals).toEqual([]);
  });

  it('terminate of a job that had already ended keeps its real outcome (TOO_LATE)', async () => {
    const core = fakeCore();
    const job = await core.addJob({ remoteJobId: '14' });
    core.scheduler.jobs.set(
      '14',
      fakeRemote('14', {
        gatewayJobId: job.id,
        state: 'COMPLETED',
        phase: 'ended',
        outcome: 'completed',
        exitCode: 0,
        exitSignal: 0,
        ended: '2000-01-01T00:00:00.000Z',
      }),
    );
    const after = await core.stopper.request(alice, job, 'terminate');
    expect(after).toMatchObject({ status: 'FINISHED', condition: 'NORMAL_COMPLETION' });
    expect(after.stopRequest).toMatchObject({ mode: 'terminate', outcome: 'TOO_LATE' });
  });
});
