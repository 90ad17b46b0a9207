import { as, lastName, str } from '../ast.js';
import { functionKey, typeKey } from './state.js';

/** Names as the model keys them. */

/** `type:s.n` / `function:s.n` from a name list (`['s', 'n']` or `['n']`). */
export function keyOfNames(kind: 'type' | 'function', list: unknown): string | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const names = list.map((n) => str(n) ?? '');
  const name = names[names.length - 1]!;
  const schema = names.length > 1 ? names[names.length - 2] : undefined;
  return kind === 'type' ? typeKey(schema, name) : functionKey(schema, name);
}

/** The type names of the arguments that identify a function (IN, INOUT, VARIADIC). */
export function signatureOf(parameters: unknown[] | undefined): string {
  const types: string[] = [];
  for (const p of parameters ?? []) {
    const param = as<{ argType?: { names?: unknown[]; arrayBounds?: unknown[] }; mode?: string }>(p, 'FunctionParameter');
    if (!param || ['FUNC_PARAM_OUT', 'FUNC_PARAM_TABLE'].includes(param.mode ?? '')) continue;
    types.push(typeName(param.argType));
  }
  return types.join(',');
}

export function typeName(type: { names?: unknown[]; arrayBounds?: unknown[] } | undefined): string {
  return `${(lastName(type?.names) ?? '?').toLowerCase()}${type?.arrayBounds ? '[]' : ''}`;
}
