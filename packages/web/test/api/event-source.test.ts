import { describe, expect, it } from 'vitest';
import { openStream, type StreamState } from '../../src/api/event-source.js';

class FakeSource {
  readyState = 0;
  onopen: ((ev: Event) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  closed = false;
  listeners = new Map<string, (ev: Event) => void>();
  addEventListener(name: string, fn: (ev: Event) => void) {
    this.listeners.set(name, fn);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  emit(name: string, data: string) {
    const ev = { data } as MessageEvent;
    if (name === 'message') this.onmessage?.(ev);
    else this.listeners.get(name)?.(ev);
  }
}

function setup() {
  const source = new FakeSource();
  const got: unknown[] = [];
  const ends: unknown[] = [];
  const states: StreamState[] = [];
  let url = '';
  const stream = openStream(
    '/v3/jobs/events?name=a',
    {
      message: (d) => got.push(d),
      events: { end: (d) => ends.push(d) },
      onState: (s) => states.push(s),
    },
    (u) => {
      url = u;
      return source as unknown as EventSource;
    },
  );
  return { source, stream, got, ends, states, url: () => url };
}

describe('openStream', () => {
  it('parses unnamed and named events as JSON, skipping what does not parse', () => {
    const t = setup();
    expect(t.url()).toBe('/v3/jobs/events?name=a');
    t.source.emit('message', '{"jobId":"x","seq":1}');
    t.source.emit('message', 'not json');
    t.source.emit('end', '{"jobId":"x","status":"CANCELLED"}');
    expect(t.got).toEqual([{ jobId: 'x', seq: 1 }]);
    expect(t.ends).toEqual([{ jobId: 'x', status: 'CANCELLED' }]);
  });

  it('tells reconnecting from closed for good', () => {
    const t = setup();
    t.source.onopen?.(new Event('open'));
    t.source.readyState = 0;
    t.source.onerror?.(new Event('error'));
    t.source.readyState = 2;
    t.source.onerror?.(new Event('error'));
    expect(t.states).toEqual(['connecting', 'open', 'connecting', 'closed']);
  });

  it('closes the EventSource and delivers nothing after close', () => {
    const t = setup();
    t.stream.close();
    expect(t.source.closed).toBe(true);
    t.source.emit('message', '{"jobId":"x"}');
    expect(t.got).toEqual([]);
  });
});
