// A server-sent-events client over a real socket, for the live-alert tests, and a bounded poll.
import http from 'node:http';

export interface SseEvent {
  event: string;
  id: string | null;
  data: unknown;
}

export interface SseStream {
  events: SseEvent[];
  /** The ids of the alerts received so far, in arrival order. */
  alertIds(): number[];
  /** Resolves once the server has sent its ": connected" comment (the client is registered). */
  opened: Promise<void>;
  close(): void;
}

export function openSseStream(base: string, cookie: string, path = '/api/alerts/stream'): SseStream {
  const events: SseEvent[] = [];
  let buf = '';
  let req: http.ClientRequest;
  const opened = new Promise<void>((resolve, reject) => {
    req = http.get(
      `${base}${path}`,
      { headers: { cookie: `dw_session=${cookie}`, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream: HTTP ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          if (buf.includes(': connected')) resolve();
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data)
              events.push({ event, id: /^id: (.*)$/m.exec(block)?.[1] ?? null, data: JSON.parse(data) });
          }
        });
        res.on('error', () => undefined);
      },
    );
    req.on('error', reject);
  });
  return {
    events,
    alertIds: () => events.filter((e) => e.event === 'alert').map((e) => (e.data as { id: number }).id),
    opened,
    close: () => req.destroy(),
  };
}

/** Poll `cond` until it holds; fail with `what` after `ms`. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  ms: number,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
