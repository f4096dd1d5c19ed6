// A logged-in client for app.inject: keeps the session cookie and sends the CSRF token.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { PASSWORD } from './seed.js';

export interface Client {
  cookie: string;
  csrf: string;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  patch(url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export function sessionCookie(res: LightMyRequestResponse): string | undefined {
  return (res.cookies as Array<{ name: string; value: string }>).find((c) => c.name === 'dw_session')?.value;
}

export async function login(app: FastifyInstance, username: string, password = PASSWORD): Promise<Client> {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  const cookie = sessionCookie(res)!;
  const csrf = (res.json() as { csrfToken: string }).csrfToken;
  const send = (
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method,
      url,
      cookies: { dw_session: cookie },
      headers: { 'x-csrf-token': csrf, ...headers },
      ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
    });
  return {
    cookie,
    csrf,
    get: (url, headers) => app.inject({ method: 'GET', url, cookies: { dw_session: cookie }, headers }),
    post: (url, body, headers) => send('POST', url, body, headers),
    patch: (url, body, headers) => send('PATCH', url, body, headers),
  };
}
