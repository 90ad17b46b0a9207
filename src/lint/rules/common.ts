import { as, lastName, str } from '../ast.js';
import type { SchemaState } from '../schema/state.js';
import type { LintContext, LintStatement } from '../types.js';

/** The first line of a statement, for messages. */
export function head(target: LintStatement): string {
  const line = target.statement.sql.split('\n')[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}

/** "when it runs again: <why it runs again>" */
export function whenAgain(target: LintStatement): string {
  return target.rerunReason ?? 'when the migration runs again';
}

/** An object a DROP … IF EXISTS earlier in the same migration removes. */
export interface DroppedObject {
  /** DropStmt's removeType (OBJECT_TRIGGER, …) or `CONSTRAINT` for ALTER TABLE … DROP CONSTRAINT. */
  type: string;
  /** The object's own name, lower case as the parser gives it. */
  name: string;
  /** For triggers, policies, rules and constraints: the table's own name. */
  table?: string;
}

/**
 * Objects that statements before `target` in its migration (and `target` itself, for earlier
 * subcommands) drop with IF EXISTS: the drop-then-create pattern is safe to run again.
 */
export function droppedBefore(target: LintStatement, context: LintContext): DroppedObject[] {
  const dropped: DroppedObject[] = [];
  for (const s of context.statementsOf(target.migration)) {
    if (s.index > target.index) break;
    if (s.statement.kind !== 'DropStmt' && s.statement.kind !== 'AlterTableStmt') continue;
    const node = context.ast(s.statement);
    const drop = as<{ removeType?: string; objects?: unknown[]; missing_ok?: boolean }>(node, 'DropStmt');
    if (drop?.missing_ok && s.index < target.index) {
      for (const object of drop.objects ?? []) {
        const items = as<{ items?: unknown[] }>(object, 'List')?.items;
        if (items) {
          // DROP TRIGGER t ON tbl is the list [tbl, t]; DROP TABLE s.t is [s, t].
          const names = items.map((n) => str(n) ?? '');
          const name = names[names.length - 1]!;
          const table = ['OBJECT_TRIGGER', 'OBJECT_POLICY', 'OBJECT_RULE'].includes(drop.removeType ?? '') ? names[names.length - 2] : undefined;
          dropped.push({ type: drop.removeType ?? '', name, ...(table ? { table } : {}) });
        } else {
          // Functions and types: an ObjectWithArgs or a TypeName; schemas and extensions: a name.
          const name =
            lastName(as<{ objname?: unknown[] }>(object, 'ObjectWithArgs')?.objname) ??
            lastName(as<{ names?: unknown[] }>(object, 'TypeName')?.names) ??
            str(object); // schemas, extensions: a bare name
          if (name) dropped.push({ type: drop.removeType ?? '', name });
        }
      }
    }
    const alter = as<{ relation?: { relname?: string }; cmds?: unknown[] }>(node, 'AlterTableStmt');
    for (const item of alter?.cmds ?? []) {
      const cmd = as<{ subtype?: string; name?: string; missing_ok?: boolean }>(item, 'AlterTableCmd');
      if (cmd?.subtype === 'AT_DropConstraint' && cmd.missing_ok && cmd.name) {
        dropped.push({ type: 'CONSTRAINT', name: cmd.name, ...(alter?.relation?.relname ? { table: alter.relation.relname } : {}) });
      }
    }
  }
  return dropped;
}

export function wasDropped(dropped: DroppedObject[], type: string | string[], name: string | undefined, table?: string): boolean {
  const types = Array.isArray(type) ? type : [type];
  return dropped.some((d) => types.includes(d.type) && d.name === name && (table === undefined || d.table === undefined || d.table === table));
}

/**
 * Whether `holds` is true of every state a run that runs `target` again may find before it
 * (false when the model has none): what the rules need to say a statement works when it runs again.
 */
export function inEveryRerun(target: LintStatement, context: LintContext, holds: (state: SchemaState) => boolean): boolean {
  const states = context.schema.again(target);
  return states.length > 0 && states.every(holds);
}

/** The first state a run that runs `target` again may find in which `holds` is true. */
export function inSomeRerun(target: LintStatement, context: LintContext, holds: (state: SchemaState) => boolean): SchemaState | undefined {
  return context.schema.again(target).find(holds);
}

/** `file:line` of a statement (or of a line inside it), for messages. */
export function placeOf(s: LintStatement, line = s.statement.line): string {
  return `${s.statement.file.slice(s.statement.file.lastIndexOf('/') + 1)}:${line}`;
}
