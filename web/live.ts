// Live arrival of alerts. The match worker publishes a small JSON message on its pipeline's Redis
// channel for every alert it creates (workers/alert-channel.ts: `<base>:<instance key>:alerts`, an
// exercise's pipeline on `<base>exercise-<id>:<instance key>:alerts`); each web server subscribes
// once, to its own database's channels only, and fans the message out over server-sent events to
// the browsers watching that workspace. The message carries ids only: every client re-reads the
// alert through the workspace-scoped store, so nothing crosses from one workspace to another.
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { parseAlertMessage, type AlertMessage, type AlertSubscription } from '../workers/alert-channel.js';

interface Client {
  workspaceId: number;
  raw: NodeJS.WritableStream & { writableLength: number; destroy(): void; end(): void };
}

/** Turns a message into the event's data, read through the store scoped to msg.workspaceId (null = skip). */
export type AlertRenderer = (msg: AlertMessage) => Promise<unknown | null>;

/**
 * Keeps the SSE clients of this process and delivers each Redis message to the clients of its
 * workspace. The alert is rendered once per message (not once per client), so fan-out to many
 * browsers costs one query.
 */
export class AlertHub {
  private clients = new Set<Client>();
  private subscriber: Redis | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly render: AlertRenderer) {}

  async start(subscriber: Redis, subscription: AlertSubscription): Promise<void> {
    this.subscriber = subscriber;
    const onMessage = (text: string) => {
      const msg = parseAlertMessage(text);
      // In order, one message at a time.
      if (msg) this.chain = this.chain.then(() => this.dispatch(msg)).catch(() => undefined);
    };
    subscriber.on('message', (_channel: string, text: string) => onMessage(text));
    // Exercise pipelines publish on their own channels; the workspace-scoped re-read in dispatch
    // keeps each message with the browsers of its own workspace.
    subscriber.on('pmessage', (_pattern: string, _channel: string, text: string) => onMessage(text));
    await subscriber.subscribe(subscription.channel);
    await subscriber.psubscribe(subscription.pattern);
  }

  async dispatch(msg: AlertMessage): Promise<void> {
    const targets = [...this.clients].filter((c) => c.workspaceId === msg.workspaceId);
    if (targets.length === 0) return;
    const data = await this.render(msg);
    if (data === null) return;
    const event = `event: alert\nid: ${msg.alertId}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of targets) {
      // A client that stopped reading is dropped instead of buffering without bound.
      if (c.raw.writableLength > 1_000_000) c.raw.destroy();
      else c.raw.write(event);
    }
  }

  get size(): number {
    return this.clients.size;
  }

  /** Turn a reply into an event stream of the alerts of one workspace. */
  attach(reply: FastifyReply, workspaceId: number): void {
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    raw.write('retry: 3000\n: connected\n\n');
    const client: Client = { workspaceId, raw };
    this.clients.add(client);
    raw.on('close', () => this.clients.delete(client));
    this.heartbeat ??= setInterval(() => {
      for (const c of this.clients) c.raw.write(': ping\n\n');
    }, 25_000);
    this.heartbeat.unref();
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const c of this.clients) c.raw.end();
    this.clients.clear();
    if (this.subscriber) {
      this.subscriber.disconnect();
      this.subscriber = null;
    }
  }
}
