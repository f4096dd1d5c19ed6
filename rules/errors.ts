// Errors in rule files and queries, always with a place (line and column, 1-based) and, when
// we can guess the intent, a suggestion. Collected rather than thrown, so `rules validate`
// reports every problem in one run.

export interface RuleProblem {
  message: string;
  line: number;
  column: number;
  /** "did you mean …" or how to fix it. */
  suggestion?: string;
  /** Name of the rule the problem is in, when known. */
  rule?: string;
}

export function formatProblem(file: string, p: RuleProblem): string {
  const hint = p.suggestion ? ` (${p.suggestion})` : '';
  const where = p.rule ? ` [rule ${p.rule}]` : '';
  return `${file}:${p.line}:${p.column}: ${p.message}${hint}${where}`;
}

/** A query problem at an offset inside the query string; the YAML layer maps it to a line. */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly suggestion?: string,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

/** Thrown by loaders that need one exception for a whole list of problems. */
export class RuleFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: RuleProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'RuleFileError';
  }
}
