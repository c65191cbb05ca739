/** How a stream stands: live, reconnecting by itself, or closed for good. */
export type StreamState = 'connecting' | 'open' | 'closed';

export interface StreamHandlers {
  /** Unnamed events (`message`), their `data:` parsed as JSON. */
  message?: (data: unknown) => void;
  /** Named events (`event: log`, `event: end`, …), parsed as JSON. */
  events?: Record<string, (data: unknown) => void>;
  onState?: (state: StreamState) => void;
}

export interface Stream {
  close(): void;
}

type EventSourceLike = Pick<
  EventSource,
  'addEventListener' | 'close' | 'readyState' | 'onopen' | 'onerror' | 'onmessage'
>;

/**
 * An EventSource (same origin: the session cookie goes by itself). It reconnects on its own,
 * resuming with Last-Event-ID; a refused request (401, 404, 429…) closes it for good, which
 * `onState('closed')` tells. Each user may hold 10 streams: close it when leaving the page.
 */
export function openStream(
  url: string,
  handlers: StreamHandlers,
  create: (url: string) => EventSourceLike = (u) => new EventSource(u),
): Stream {
  const source = create(url);
  let closed = false;
  const state = (s: StreamState) => {
    if (!closed || s === 'closed') handlers.onState?.(s);
  };
  const parse = (ev: Event): unknown => {
    try {
      return JSON.parse(String((ev as MessageEvent).data));
    } catch {
      return undefined;
    }
  };
  state('connecting');
  source.onopen = () => state('open');
  source.onerror = () => {
    if (source.readyState === 2) {
      closed = true;
      state('closed');
    } else state('connecting');
  };
  if (handlers.message) {
    const onMessage = handlers.message;
    source.onmessage = (ev) => {
      const data = parse(ev);
      if (data !== undefined && !closed) onMessage(data);
    };
  }
  for (const [name, handler] of Object.entries(handlers.events ?? {})) {
    source.addEventListener(name, (ev) => {
      const data = parse(ev);
      if (data !== undefined && !closed) handler(data);
    });
  }
  return {
    close: () => {
      if (closed) return;
      closed = true;
      source.close();
    },
  };
}
