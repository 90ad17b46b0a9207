import fc from 'fast-check';
import { faultAction, faultAt, type FaultKind } from '../../faults/proxy/boundary.js';
import { compareStates } from '../compare.js';
import { explore } from '../explore.js';
import type { CheckName, CheckOutcome, Finding, Note } from '../types.js';
import { boundaryLabel, differenceFinding, placeOf, runFailure, stoppingError } from './findings.js';
import { outputTail } from './states.js';
import type { ToolCheck, ToolContext } from './types.js';

/*
 * `fault` on a real tool: for a fault at statement k of the tool's first run (an error in its
 * place, the connection dropped before it, or its answer lost after it ran), the tool's next run
 * must end where a fresh run ends. A next run that stops with a server error is a finding; one
 * that refuses without touching the server (a dirty flag, a lock it will not break) is the
 * tool's rule, reported as a note with its own words. `resume` is the same property for the
 * connection lost (a crash of the tool or of its host) alone.
 */

interface FaultCase {
  /** 1-based statement of the tool's run, in the order the proxy saw them. */
  k: number;
  kind: FaultKind;
}

export const TOOL_FAULT_KINDS: readonly FaultKind[] = ['error', 'terminate', 'ack-lost'];

/** The fault kinds a tool check injects: `--faults` where given (crash is the model's: not through a proxy). */
export function toolFaultKinds(given: readonly string[] | undefined): FaultKind[] {
  const kinds = (given ?? TOOL_FAULT_KINDS).filter((k): k is FaultKind => (TOOL_FAULT_KINDS as readonly string[]).includes(k));
  return kinds.length > 0 ? kinds : [...TOOL_FAULT_KINDS];
}

async function faultCases(context: ToolContext, check: CheckName, kinds: readonly FaultKind[]): Promise<CheckOutcome> {
  const { states, files } = context;
  const { state: fresh, run: first } = await states.freshRun();
  const n = first.boundaries.length;
  if (n === 0) return { status: 'skip', cases: 0, findings: [], reason: 'the tool sent no statement through the proxy: there is no boundary to put a fault at' };
  const notes = new Map<string, Note>();
  const reproduce = context.reproduce(check, kinds.join(',') === TOOL_FAULT_KINDS.join(',') ? [] : ['--faults', kinds.join(',')]);
  const all: FaultCase[] = [];
  for (let k = 1; k <= n; k++) for (const kind of kinds) all.push({ k, kind });

  const evaluate = async (c: FaultCase): Promise<Finding | null> => {
    const db = await states.server.createDatabase();
    try {
      const faulted = await states.runTool(db, faultAt(c.k, faultAction(c.kind)));
      const fault = faulted.faults[0];
      // The tool sent fewer statements this time: no fault, nothing this case can say.
      if (!fault) return null;
      const label = `fault ${c.kind} at ${boundaryLabel(fault.boundary)}`;
      const where = placeOf(files, fault.boundary.text);
      const caseRecord = { kind: c.kind, boundary: c.k, statement: fault.boundary.text, faultedRunExit: faulted.result.code };
      const next = await states.runTool(db);
      if (!next.ok) {
        if (!stoppingError(next)) {
          const words = outputTail(next.result, 2);
          if (!notes.has(words)) {
            notes.set(words, {
              check,
              file: where.file,
              message: `after ${label}, the tool's next run refuses without a server error: ${words}`,
              action: "what the tool's message asks of its operator; migtest does not model it for a real tool",
            });
          }
          return null;
        }
        const failure = runFailure(check, next, files, reproduce, `${label}, then the next run`);
        return {
          ...failure,
          ...where,
          ...(failure.file !== null && failure.line !== null ? { blame: { file: failure.file, line: failure.line } } : {}),
          case: caseRecord,
        };
      }
      const comparison = await compareStates(states, db, fresh, { relaxed: true, trackers: true });
      if (comparison.equal) return null;
      return {
        ...differenceFinding(check, `${label}, then the next run succeeds but leaves another state than a fresh run`, comparison.diff, where, reproduce),
        case: caseRecord,
      };
    } finally {
      await states.drop(db);
    }
  };

  const outcome = await explore(context, {
    check,
    all,
    arbitrary: fc.record({ k: fc.integer({ min: 1, max: n }), kind: fc.constantFrom(...kinds) }),
    key: (c) => `${c.kind}@${c.k}`,
    evaluate,
  });
  return { ...outcome, notes: [...notes.values()], details: { ...outcome.details, boundaries: n } };
}

export const toolFault: ToolCheck = {
  name: 'fault',
  run: (context) => faultCases(context, 'fault', toolFaultKinds(context.options.toolFaults)),
};

export const toolResume: ToolCheck = {
  name: 'resume',
  run: (context) => faultCases(context, 'resume', ['terminate']),
};
