// Validation of domain inputs that come from people (CLI flags, YAML files, the API).
import { z } from 'zod';
import { DEFAULT_CRAWL_POLICY, FETCH_MODES, SOURCE_KINDS } from './types.js';

const baseUrl = z
  .string()
  .max(2048)
  .refine(
    (value) => {
      try {
        const u = new URL(value);
        return (
          (u.protocol === 'http:' || u.protocol === 'https:') &&
          u.hostname.length > 0 &&
          !u.username &&
          !u.password
        );
      } catch {
        return false;
      }
    },
    { message: 'must be an http(s) URL without credentials, e.g. http://abc…xyz.onion/' },
  );

export const crawlPolicySchema = z
  .object({
    seeds: z.array(z.string().max(2048)).min(1).max(1000),
    include: z.array(z.string().max(500)).max(200),
    exclude: z.array(z.string().max(500)).max(200),
    maxDepth: z.number().int().min(0).max(100),
    pageBudget: z.number().int().min(1).max(1_000_000),
    requestsPerMinute: z.number().min(0.1).max(60_000),
    concurrency: z.number().int().min(1).max(64),
    recrawlIntervalSec: z
      .number()
      .int()
      .min(60)
      .max(365 * 86400)
      .nullable(),
    allowImages: z.boolean(),
    javascript: z.boolean(),
  })
  .strict();

export const sourceSessionSchema = z
  .object({
    cookies: z
      .array(
        z.object({
          name: z.string().min(1).max(256),
          value: z.string().max(8192),
          domain: z.string().max(255).optional(),
          path: z.string().max(1024).optional(),
        }),
      )
      .max(100),
    login: z
      .object({
        url: z.string().max(2048),
        fields: z.record(z.string().max(100), z.string().max(1000)),
        submitSelector: z.string().max(200).optional(),
      })
      .nullable()
      .optional(),
  })
  .strict();

export const sourceInputSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, ".", "_" and "-" (max 100)'),
    kind: z.enum(SOURCE_KINDS).default('market'),
    urls: z.array(baseUrl).min(1, 'at least one URL').max(50),
    fetchMode: z.enum(FETCH_MODES).default('http'),
    policy: crawlPolicySchema.partial().default({}),
    session: sourceSessionSchema.nullable().default(null),
    extractorProfile: z.string().max(100).nullable().default(null),
    languageHints: z
      .array(z.string().regex(/^[a-z]{2,3}$/))
      .max(20)
      .default([]),
    pgpKey: z.string().max(100_000).nullable().default(null),
    enabled: z.boolean().default(true),
  })
  .strict();

export type SourceInput = z.input<typeof sourceInputSchema>;

export function withDefaultPolicy(
  partial: Partial<typeof DEFAULT_CRAWL_POLICY>,
): typeof DEFAULT_CRAWL_POLICY {
  return crawlPolicySchema.parse({ ...DEFAULT_CRAWL_POLICY, ...partial });
}

/** zod issues as one readable line: `policy.maxDepth: Number must be at most 100; urls: …`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}
