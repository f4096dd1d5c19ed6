// Rules: list, show with versions, validate (line/column messages), save (new version on change),
// enable/disable. Saving and toggling are audited in the same transaction.
import type { FastifyInstance } from 'fastify';
import { appendAudit } from '../../store/audit.js';
import { withTransaction } from '../../store/db.js';
import { getRule, listRules, ruleVersions, saveRule, setRuleEnabled } from '../../store/rules.js';
import { actorOf } from '../../store/users.js';
import { authOf, HttpError } from '../auth.js';
import type { RuleDefinition } from '../../rules/index.js';
import { sinceFrom } from '../backtest.js';
import { validateRules } from '../rule-validation.js';
import type { AppContext } from '../server.js';

const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
};
const yamlBody = {
  type: 'object',
  required: ['yaml'],
  additionalProperties: false,
  properties: { yaml: { type: 'string', minLength: 1, maxLength: 200000 } },
};

export function registerRuleRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;

  app.get(
    '/api/rules',
    { config: { perm: 'read' }, schema: { summary: 'Rules of the workspace (current versions)' } },
    async (req) => {
      const a = authOf(req);
      return { rules: await listRules(db, a.workspaceId) };
    },
  );

  app.get(
    '/api/rules/:name',
    {
      config: { perm: 'read' },
      schema: { summary: 'One rule with its version history', params: nameParams },
    },
    async (req) => {
      const a = authOf(req);
      const rule = await getRule(db, a.workspaceId, (req.params as { name: string }).name);
      if (!rule) throw new HttpError(404, 'rule not found');
      return { rule, versions: await ruleVersions(db, rule.ruleId) };
    },
  );

  app.post(
    '/api/rules/validate',
    {
      config: { perm: 'read' },
      schema: { summary: 'Validate rule YAML without saving: problems with line and column', body: yamlBody },
    },
    async (req) => {
      const { rules, problems } = validateRules((req.body as { yaml: string }).yaml);
      return {
        ok: problems.length === 0,
        rules: rules.map((r) => ({ name: r.name, severity: r.severity })),
        problems,
      };
    },
  );

  app.post(
    '/api/rules/backtest',
    {
      config: { perm: 'rules' },
      schema: {
        summary:
          'Backtest draft rule YAML (unsaved) over the stored listings and posts of the workspace: hits per rule and the first few with highlighted terms; creates no alerts',
        body: {
          type: 'object',
          required: ['yaml'],
          additionalProperties: false,
          properties: {
            yaml: { type: 'string', minLength: 1, maxLength: 200000 },
            since: { type: 'string', pattern: '^[0-9]{1,5}[dhm]$' },
            kinds: {
              type: 'array',
              minItems: 1,
              maxItems: 2,
              uniqueItems: true,
              items: { type: 'string', enum: ['listing', 'post'] },
            },
            examples: { type: 'integer', minimum: 0, maximum: 20 },
          },
        },
      },
    },
    async (req, reply) => {
      const a = authOf(req);
      const body = req.body as {
        yaml: string;
        since?: string;
        kinds?: Array<'listing' | 'post'>;
        examples?: number;
      };
      const since = sinceFrom(body.since ?? '30d');
      const { rules, problems } = validateRules(body.yaml);
      if (problems.length) return reply.status(400).send({ error: 'invalid rules', problems });
      return ctx.backtest.run(
        db,
        a.workspaceId,
        rules.map((r) => r.definition as unknown as RuleDefinition),
        { since, kinds: body.kinds, examples: body.examples },
      );
    },
  );

  app.post(
    '/api/rules',
    {
      config: { perm: 'rules' },
      schema: { summary: 'Save rules from YAML (a changed rule gets a new version)', body: yamlBody },
    },
    async (req, reply) => {
      const a = authOf(req);
      const { rules, problems } = validateRules((req.body as { yaml: string }).yaml);
      if (problems.length) return reply.status(400).send({ error: 'invalid rules', problems });
      const saved = await withTransaction(db, async (tx) => {
        const out = [];
        for (const r of rules) {
          const res = await saveRule(tx, a.workspaceId, r, a.user.id);
          if (res.newVersion) {
            await appendAudit(tx, {
              actor: actorOf(a.user),
              workspaceId: a.workspaceId,
              action: res.created ? 'rule.create' : 'rule.update',
              entityType: 'rule',
              entityId: res.rule.ruleId,
              after: { name: r.name, version: res.rule.version, severity: r.severity },
            });
          }
          out.push({
            name: res.rule.name,
            version: res.rule.version,
            created: res.created,
            newVersion: res.newVersion,
          });
        }
        return out;
      });
      return { saved };
    },
  );

  app.post(
    '/api/rules/:name/enabled',
    {
      config: { perm: 'rules' },
      schema: {
        summary: 'Switch a rule on or off',
        params: nameParams,
        body: {
          type: 'object',
          required: ['enabled'],
          additionalProperties: false,
          properties: { enabled: { type: 'boolean' } },
        },
      },
    },
    async (req) => {
      const a = authOf(req);
      const { name } = req.params as { name: string };
      const { enabled } = req.body as { enabled: boolean };
      const ok = await withTransaction(db, async (tx) => {
        const rule = await getRule(tx, a.workspaceId, name, true);
        if (!rule) return false;
        await setRuleEnabled(tx, a.workspaceId, name, enabled);
        await appendAudit(tx, {
          actor: actorOf(a.user),
          workspaceId: a.workspaceId,
          action: 'rule.enable',
          entityType: 'rule',
          entityId: rule.ruleId,
          before: { enabled: rule.enabled },
          after: { enabled },
        });
        return true;
      });
      if (!ok) throw new HttpError(404, 'rule not found');
      return { name, enabled };
    },
  );
}
