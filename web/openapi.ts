// The OpenAPI description is generated from the routes themselves (their JSON schemas, which
// fastify also uses to validate requests), so it cannot drift from what the server accepts.
import type { Permission } from './auth.js';

export interface RouteDoc {
  method: string;
  url: string;
  perm: Permission;
  schema?: {
    summary?: string;
    description?: string;
    querystring?: Record<string, unknown>;
    params?: Record<string, unknown>;
    body?: Record<string, unknown>;
  };
}

function parameters(schema: Record<string, unknown> | undefined, where: 'query' | 'path'): unknown[] {
  const props = (schema?.properties ?? {}) as Record<string, unknown>;
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: s,
  }));
}

export function openApiDocument(routes: RouteDoc[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of [...routes].sort(
    (a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method),
  )) {
    const path = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const op: Record<string, unknown> = {
      summary: r.schema?.summary ?? `${r.method} ${path}`,
      parameters: [...parameters(r.schema?.params, 'path'), ...parameters(r.schema?.querystring, 'query')],
      responses: {
        '200': { description: 'OK' },
        '400': { description: 'invalid request' },
        '401': { description: 'not logged in' },
        '403': { description: 'not allowed (role or CSRF)' },
        '404': { description: 'not found (or not in your workspace)' },
      },
      'x-permission': r.perm,
      security: r.perm === 'public' ? [] : [{ session: [], csrf: [] }, { bearer: [] }],
    };
    if (r.schema?.description) op.description = r.schema.description;
    if (r.schema?.body)
      op.requestBody = { required: true, content: { 'application/json': { schema: r.schema.body } } };
    paths[path] = { ...(paths[path] ?? {}), [r.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'darkwatch API',
      version: '1',
      description:
        'Triage, evidence, cases, rules, sources and exports. Every request works in one workspace (header x-darkwatch-workspace; trainees are pinned to theirs).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'dw_session' },
        csrf: {
          type: 'apiKey',
          in: 'header',
          name: 'x-csrf-token',
          description: 'required on POST/PATCH/DELETE with a session cookie',
        },
        bearer: { type: 'http', scheme: 'bearer', description: 'API token from `darkwatch user token NAME`' },
      },
    },
    paths,
  };
}
