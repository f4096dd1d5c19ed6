// Validation of rule YAML for the editor: messages with line and column. The rules module's
// loader (rules/) is the validator: what it accepts is what the match worker compiles, and its
// RuleDefinition is what gets stored as the rule version's `definition`. basicRuleValidator is
// kept for the per-rule source slices and as a fallback (setRuleValidator).
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { SEVERITIES, type Severity } from '../core/types.js';
import { formatProblem, loadRulesSafely } from '../rules/index.js';

export interface RuleProblem {
  message: string;
  line: number | null;
  column: number | null;
}

export interface ParsedRule {
  name: string;
  severity: Severity;
  description: string | null;
  definition: Record<string, unknown>;
  sourceText: string;
}

export interface RuleValidation {
  rules: ParsedRule[];
  problems: RuleProblem[];
}

export type RuleValidator = (yamlText: string) => RuleValidation;

let validator: RuleValidator = rulesModuleValidator;

/** The rules module's loader; each rule keeps the YAML of its own entry as its source text. */
export function rulesModuleValidator(text: string): RuleValidation {
  const loaded = loadRulesSafely(text, { file: 'editor' });
  const problems = loaded.problems.map((p) => ({
    message: formatProblem('editor', p).replace(/^editor:\d+:\d+: /, ''),
    line: p.line,
    column: p.column,
  }));
  if (problems.length) return { rules: [], problems };
  // Stored under def.id (the rule's `id`, else its name), as `darkwatch rules add` does.
  // One rule: its text is the whole document. Several: each gets a file of its own, rebuilt from
  // its entry — unless that entry needs the rest of the document (anchors in `shared:`).
  const own = (name: string): string => {
    if (loaded.rules.length === 1) return text;
    const entry = basicRuleValidator(text).rules.find((r) => r.name === name);
    if (!entry) return text;
    const candidate = standaloneRuleFile(entry.sourceText);
    const check = loadRulesSafely(candidate, { file: 'editor' });
    return check.problems.length === 0 && check.rules.length === 1 ? candidate : text;
  };
  return {
    rules: loaded.rules.map((def) => ({
      name: def.id,
      severity: def.severity,
      description: def.description,
      definition: def as unknown as Record<string, unknown>,
      sourceText: own(def.name),
    })),
    problems,
  };
}

export function setRuleValidator(v: RuleValidator): void {
  validator = v;
}

export function validateRules(yamlText: string): RuleValidation {
  return validator(yamlText);
}

/** `rules:` with one entry, from the text of a rule mapping cut out of a list (re-indented). */
export function standaloneRuleFile(entryText: string): string {
  const lines = entryText.replace(/\s+$/, '').split('\n');
  const indents = lines
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => l.length - l.trimStart().length);
  const cut = indents.length ? Math.min(...indents) : 0;
  const rest = lines.slice(1).map((l) => (l.trim() ? `    ${l.slice(cut)}` : ''));
  return ['rules:', `  - ${lines[0]}`, ...rest].join('\n') + '\n';
}

export function basicRuleValidator(text: string): RuleValidation {
  const problems: RuleProblem[] = [];
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return { line: null, column: null };
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  for (const e of doc.errors) problems.push({ message: e.message.split('\n')[0]!, ...at(e.pos[0]) });
  if (problems.length) return { rules: [], problems };
  const root = doc.contents;
  const list = isMap(root) ? root.get('rules', true) : undefined;
  const items: unknown[] | null = isSeq(list) ? list.items : isMap(root) ? [root] : null;
  if (!items)
    return {
      rules: [],
      problems: [{ message: 'expected a rule mapping or `rules:` with a list of rules', line: 1, column: 1 }],
    };
  const rules: ParsedRule[] = [];
  for (const node of items) {
    const range = (node as { range?: [number, number, number] }).range;
    const where = at(range?.[0]);
    if (!isMap(node)) {
      problems.push({ message: 'each rule must be a mapping', ...where });
      continue;
    }
    // toJS with an alias budget: a "billion laughs" document fails here instead of eating memory.
    let r: Record<string, unknown>;
    try {
      r = node.toJS(doc, { maxAliasCount: 50 }) as Record<string, unknown>;
    } catch (err) {
      problems.push({ message: err instanceof Error ? err.message : String(err), ...where });
      continue;
    }
    const name = r.name;
    if (typeof name !== 'string' || name.length < 1 || name.length > 200) {
      problems.push({ message: 'rule needs a `name` (1–200 characters)', ...where });
      continue;
    }
    const severity = r.severity ?? 'medium';
    if (typeof severity !== 'string' || !(SEVERITIES as readonly string[]).includes(severity)) {
      const sevNode = node.get('severity', true) as { range?: [number] } | undefined;
      problems.push({
        message: `rule "${name}": severity must be one of ${SEVERITIES.join(', ')}`,
        ...at(sevNode?.range?.[0] ?? range?.[0]),
      });
      continue;
    }
    if (r.query !== undefined && typeof r.query !== 'string') {
      problems.push({ message: `rule "${name}": query must be text`, ...where });
      continue;
    }
    if (
      r.query === undefined &&
      r.entities === undefined &&
      r.change === undefined &&
      r.watchlist === undefined
    ) {
      problems.push({
        message: `rule "${name}": needs a query (or an entity watchlist / change condition)`,
        ...where,
      });
      continue;
    }
    const sourceText = range ? text.slice(range[0], range[1]) : text;
    rules.push({
      name,
      severity: severity as Severity,
      description: typeof r.description === 'string' ? r.description : null,
      definition: r,
      sourceText,
    });
  }
  return { rules, problems };
}
