import type { Rule } from '../types.js';

/**
 * unused-ignore — a `-- migtest-ignore: <rule>` comment that suppresses nothing: no finding of
 * that rule is on the statement it belongs to, or the rule does not exist.
 *
 * A suppression outlives the problem it was written for; left in place it would hide the next
 * one. The engine reports it (see src/lint/suppress.ts): the fix is to delete the comment, or to
 * correct the rule id. It cannot itself be suppressed.
 */
export const unusedIgnore: Rule = {
  id: 'unused-ignore',
  category: 'suppression',
  summary: 'an ignore comment that suppresses nothing (or names no rule)',
  squawk: 'unused-ignore',
  atlas: 'none',
};
