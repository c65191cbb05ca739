import { describe, expect, it, vi } from 'vitest';
import type { BusMessage, ReplicaBus } from '../../src/coordination/replica-bus.js';
import { Monitors } from '../../src/jobs/monitors.js';
import { PollRequests } from '../../src/jobs/poll-requests.js';
import type { SystemMonitor } from '../../src/jobs/system-monitor.js';

// The request side's pokes reach the poller wherever it runs, over a FAKE bus (two replicas in
// one process) and FAKE monitors (which only count what they are asked).

class FakeMonitor {
  calls: string[] = [];
  finishRefresh: Array<() => void> = [];
  constructor(public holds: boolean) {}
  polling() {
    return this.holds;
  }
  trigger() {
    this.calls.push('trigger');
  }
  hurry() {
    this.calls.push('hurry');
  }
  refresh() {
    this.calls.push('refresh');
    return new Promise<void>((r) => this.finishRefresh.push(r));
  }
}

/** Two replicas' buses, wired to each other. */
function fakeBuses(): [ReplicaBus, ReplicaBus] {
  const listeners: Array<Array<(m: BusMessage) => void>> = [[], []];
  const bus = (me: number): ReplicaBus => ({
    publish: (m) => {
      for (const l of listeners[1 - me]!) queueMicrotask(() => l(m));
    },
    subscribe: (l) => {
      listeners[me]!.push(l);
      return () => {};
    },
    onResync: () => () => {},
  });
  return [bus(0), bus(1)];
}

function replica(bus: ReplicaBus, holds: boolean, waitMs = 5_000) {
  const monitor = new FakeMonitor(holds);
  const monitors = new Monitors();
  monitors.add('x', monitor as unknown as SystemMonitor);
  const polls = new PollRequests(monitors, bus, waitMs);
  bus.subscribe((m) => polls.receive(m));
  return { monitor, polls };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('PollRequests', () => {
  it('pokes the local monitor when this replica polls, the holder over the bus when not', async () => {
    const [busA, busB] = fakeBuses();
    const a = replica(busA, true);
    const b = replica(busB, false);
    a.polls.trigger('x');
    b.polls.trigger('x');
    b.polls.hurry('x');
    await tick();
    expect(a.monitor.calls).toEqual(['trigger', 'trigger', 'hurry']);
    expect(b.monitor.calls).toEqual([]);
  });

  it("a refresh asked of another replica resolves when the holder's cycle is done", async () => {
    const [busA, busB] = fakeBuses();
    const a = replica(busA, true);
    const b = replica(busB, false);
    let done = false;
    const refreshed = b.polls.refresh('x').then(() => {
      done = true;
    });
    await tick();
    expect(a.monitor.calls).toEqual(['refresh']);
    expect(done).toBe(false);
    a.monitor.finishRefresh[0]!();
    await refreshed;
    expect(done).toBe(true);
  });

  it('with no replica polling (a takeover), a refresh resolves after its bound', async () => {
    vi.useFakeTimers();
    try {
      const [, busB] = fakeBuses();
      const b = replica(busB, false, 1_000);
      let done = false;
      const refreshed = b.polls.refresh('x').then(() => {
        done = true;
      });
      await vi.advanceTimersByTimeAsync(999);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await refreshed;
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
