// Public face of the watch-rule core: load rules, compile them together, match listings.
export { loadRules, loadRulesSafely, RULE_FIELDS, type LoadResult } from './loader.js';
export { loadRuleFile } from './load-file.js';
export {
  compileRules,
  CompiledRuleSet,
  prepareListing,
  PreparedListing,
  type MatchDetail,
} from './compile.js';
export { createChangeCondition, entityKey } from './conditions.js';
export { formatProblem, RuleFileError, type RuleProblem } from './errors.js';
export { parseQuery } from './query/parser.js';
export { printQuery } from './query/printer.js';
export type * from './types.js';
