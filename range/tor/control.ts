// A small Tor control-port client: cookie authentication, GETINFO circuit-status /
// stream-status, SETEVENTS STREAM. Enough to prove which circuit each SOCKS identity used
// (IsolateSOCKSAuth) and to ask for fresh circuits (SIGNAL NEWNYM).
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import {
  ControlReplyParser,
  getInfoValue,
  nonEmptyLines,
  parseCircuitLine,
  parseStreamLine,
  type CircuitInfo,
  type ControlReply,
  type StreamInfo,
} from './control-protocol.js';

export type { CircuitInfo, ControlReply, StreamInfo } from './control-protocol.js';

export interface TorControlOptions {
  port: number;
  host?: string;
  cookiePath: string;
  timeoutMs?: number;
}

interface Pending {
  resolve: (reply: ControlReply) => void;
  reject: (err: Error) => void;
}

export interface TorControlEvents {
  /** Every asynchronous (6xx) reply. */
  event: [ControlReply];
  /** Parsed `650 STREAM …` events (after setEvents(['STREAM'])). */
  stream: [StreamInfo];
  /** Parsed `650 CIRC …` events (after setEvents(['CIRC'])). */
  circ: [CircuitInfo];
  error: [Error];
  close: [];
}

const COOKIE_LENGTH = 32;
const KEYWORD = /^[A-Za-z0-9/_.-]{1,128}$/;

export class TorControlClient extends EventEmitter<TorControlEvents> {
  private readonly parser = new ControlReplyParser();
  private readonly pending: Pending[] = [];
  private closed = false;

  private constructor(
    private readonly socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    super();
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('tor control connection closed')));
  }

  /** Connects and authenticates with the cookie file tor wrote (CookieAuthentication 1). */
  static async connect(opts: TorControlOptions): Promise<TorControlClient> {
    const cookie = await readFile(opts.cookiePath);
    if (cookie.length !== COOKIE_LENGTH) {
      throw new Error(
        `tor control cookie ${opts.cookiePath} has ${cookie.length} bytes, expected ${COOKIE_LENGTH}`,
      );
    }
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: opts.host ?? '127.0.0.1', port: opts.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`tor control port ${opts.port}: connect timed out`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`tor control port ${opts.port}: ${err.message}`));
      });
    });
    const client = new TorControlClient(socket, timeoutMs);
    try {
      await client.expectOk(`AUTHENTICATE ${cookie.toString('hex')}`);
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  /** Sends one command line and resolves with its (synchronous) reply. */
  command(line: string): Promise<ControlReply> {
    if (/[\r\n\0]/.test(line)) return Promise.reject(new Error('control command must be a single line'));
    if (this.closed) return Promise.reject(new Error('tor control connection is closed'));
    return new Promise<ControlReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`tor control command timed out: ${line.split(' ')[0]}`));
      }, this.timeoutMs);
      this.pending.push({
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.write(`${line}\r\n`);
    });
  }

  async expectOk(line: string): Promise<ControlReply> {
    const reply = await this.command(line);
    if (reply.code !== '250') {
      const verb = line.startsWith('AUTHENTICATE') ? 'AUTHENTICATE' : line;
      throw new Error(
        `tor control: ${verb} failed: ${reply.code} ${reply.lines.map((l) => l.text).join(' ')}`,
      );
    }
    return reply;
  }

  async getInfo(key: string): Promise<string> {
    if (!KEYWORD.test(key)) throw new Error(`bad GETINFO key ${JSON.stringify(key)}`);
    return getInfoValue(await this.command(`GETINFO ${key}`), key);
  }

  async circuitStatus(): Promise<CircuitInfo[]> {
    return nonEmptyLines(await this.getInfo('circuit-status')).map(parseCircuitLine);
  }

  async streamStatus(): Promise<StreamInfo[]> {
    return nonEmptyLines(await this.getInfo('stream-status')).map(parseStreamLine);
  }

  /** Replaces the set of asynchronous events tor sends us (e.g. ['STREAM', 'CIRC']; [] for none). */
  async setEvents(events: string[]): Promise<void> {
    for (const e of events)
      if (!/^[A-Z_]{1,32}$/.test(e)) throw new Error(`bad event name ${JSON.stringify(e)}`);
    await this.expectOk(`SETEVENTS ${events.join(' ')}`.trim());
  }

  /** New circuits for new streams (tor rate-limits this to one every few seconds). */
  async newIdentity(): Promise<void> {
    await this.expectOk('SIGNAL NEWNYM');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end('QUIT\r\n');
    this.socket.destroy();
    this.rejectAll(new Error('tor control connection is closed'));
  }

  private onData(chunk: Buffer): void {
    let replies: ControlReply[];
    try {
      replies = this.parser.feed(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (const reply of replies) {
      if (reply.code.startsWith('6')) this.onEvent(reply);
      else this.pending.shift()?.resolve(reply);
    }
  }

  private onEvent(reply: ControlReply): void {
    this.emit('event', reply);
    const first = reply.lines[0]?.text ?? '';
    try {
      if (first.startsWith('STREAM ')) this.emit('stream', parseStreamLine(first.slice(7)));
      else if (first.startsWith('CIRC ')) this.emit('circ', parseCircuitLine(first.slice(5)));
    } catch (err) {
      if (this.listenerCount('error') > 0) this.emit('error', err as Error);
    }
  }

  private rejectAll(err: Error): void {
    for (const p of this.pending.splice(0)) p.reject(err);
  }

  private fail(err: Error): void {
    const wasOpen = !this.closed;
    this.closed = true;
    this.socket.destroy();
    this.rejectAll(err);
    if (wasOpen) {
      if (this.listenerCount('error') > 0 && !err.message.includes('closed')) this.emit('error', err);
      this.emit('close');
    }
  }
}

export interface StreamCircuitRecorder {
  /** Every STREAM event seen since recording started. */
  readonly events: readonly StreamInfo[];
  /** Circuits that carried a successful stream for this SOCKS username (null: no credentials). */
  circuitsOf(username: string | null, targetPrefix?: string): Set<string>;
  /** Resolves once `count` successful streams of that username were seen (false on timeout). */
  waitForStreams(username: string | null, count: number, timeoutMs?: number): Promise<boolean>;
  stop(): void;
}

/**
 * Records which circuit each SOCKS identity's streams used — the evidence that Tor isolated
 * sources (IsolateSOCKSAuth). Subscribes to STREAM events on an authenticated client.
 */
export async function recordStreamCircuits(client: TorControlClient): Promise<StreamCircuitRecorder> {
  const events: StreamInfo[] = [];
  const onStream = (e: StreamInfo) => {
    if (events.length < 100_000) events.push(e);
  };
  client.on('stream', onStream);
  await client.setEvents(['STREAM']);
  const succeeded = (username: string | null, targetPrefix = '') =>
    events.filter(
      (e) => e.status === 'SUCCEEDED' && e.socksUsername === username && e.target.startsWith(targetPrefix),
    );
  return {
    events,
    circuitsOf: (username, targetPrefix) =>
      new Set(succeeded(username, targetPrefix).map((e) => e.circuitId)),
    async waitForStreams(username, count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (succeeded(username).length < count) {
        if (Date.now() >= deadline) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    },
    stop: () => client.off('stream', onStream),
  };
}
