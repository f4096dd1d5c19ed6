// Live arrival of alerts. The match worker publishes a small JSON message on the Redis channel
// `<prefix>:alerts` for every alert it creates or updates; each web server subscribes once and
// fans the message out over server-sent events to the browsers watching that workspace. The
// message carries ids only: every client re-reads the alert through the workspace-scoped store,
// so nothing crosses from one workspace to another.
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';

export interface AlertMessage {
  workspaceId: number;
  alertId: number;
  created: boolean;
}

export function alertsChannel(prefix: string): string {
  return `${prefix}:alerts`;
}

/** For the match worker: announce a new or updated alert. */
export async function publishAlert(redis: Redis, prefix: string, msg: AlertMessage): Promise<void> {
  await redis.publish(alertsChannel(prefix), JSON.stringify(msg));
}

export function parseAlertMessage(text: string): AlertMessage | null {
  try {
    // The match worker sends { type: 'alert.created', alertId, workspaceId, rule, severity }.
    const m = JSON.parse(text) as Partial<AlertMessage> & { type?: string };
    if (!Number.isSafeInteger(m.workspaceId) || !Number.isSafeInteger(m.alertId)) return null;
    return {
      workspaceId: m.workspaceId!,
      alertId: m.alertId!,
      created: m.created === true || m.type === 'alert.created',
    };
  } catch {
    return null;
  }
}

interface Client {
  workspaceId: number;
  send(msg: AlertMessage): void;
}

/** Keeps the SSE clients of this process and delivers each Redis message to the right ones. */
export class AlertHub {
  private clients = new Set<Client>();
  private subscriber: Redis | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  async start(subscriber: Redis, prefix: string): Promise<void> {
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, text: string) => {
      const msg = parseAlertMessage(text);
      if (msg) this.dispatch(msg);
    });
    await subscriber.subscribe(alertsChannel(prefix));
  }

  dispatch(msg: AlertMessage): void {
    for (const c of this.clients) if (c.workspaceId === msg.workspaceId) c.send(msg);
  }

  get size(): number {
    return this.clients.size;
  }

  /** Turn a reply into an event stream; `render` turns a message into the event's data (or null to skip). */
  attach(
    reply: FastifyReply,
    workspaceId: number,
    render: (msg: AlertMessage) => Promise<unknown | null>,
  ): void {
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    raw.write('retry: 3000\n: connected\n\n');
    // Deliver in order, one render at a time, and drop a slow client instead of buffering forever.
    let chain = Promise.resolve();
    const client: Client = {
      workspaceId,
      send: (msg) => {
        chain = chain.then(async () => {
          if (raw.writableLength > 1_000_000) return void raw.destroy();
          const data = await render(msg).catch(() => null);
          if (data !== null) raw.write(`event: alert\nid: ${msg.alertId}\ndata: ${JSON.stringify(data)}\n\n`);
        });
      },
    };
    this.clients.add(client);
    this.heartbeat ??= setInterval(() => this.ping(), 25_000);
    this.heartbeat.unref();
    raw.on('close', () => this.clients.delete(client));
    this.pingers.add(raw);
    raw.on('close', () => this.pingers.delete(raw));
  }

  private pingers = new Set<NodeJS.WritableStream & { writableEnded?: boolean }>();

  private ping(): void {
    for (const raw of this.pingers) raw.write(': ping\n\n');
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const raw of this.pingers) (raw as unknown as { end(): void }).end();
    this.clients.clear();
    this.pingers.clear();
    if (this.subscriber) {
      this.subscriber.disconnect();
      this.subscriber = null;
    }
  }
}
