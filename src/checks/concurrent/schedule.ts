/*
 * An interleaving is a list of choices, one per decision of the scheduler. At each decision some
 * replicas can act: send their next message, or (when commits are held) let their held commit
 * finish. Choice 0 keeps the replica that acted last when it still can act (no switch), else the
 * first that can; choice c switches to the c-th other one, counted from it. A choice past the end
 * of the list is 0. So the empty list runs the replicas one after the other, every non-zero choice
 * is a switch, and shrinking (shorter lists, smaller choices) leads to the fewest switches that
 * still fail: the shortest failing interleaving.
 */

/** What a replica can do at a decision. */
export type Action = 'send' | 'commit';

export interface Candidate {
  replica: number;
  action: Action;
}

/** The candidate choice `choice` picks, given the replica that acted last. Candidates come in replica order. */
export function pick<C extends Candidate>(candidates: readonly C[], last: number | undefined, choice: number | undefined): C {
  if (candidates.length === 0) throw new Error('no replica can act');
  const at = Math.max(0, candidates.findIndex((c) => c.replica === last));
  const order = [...candidates.slice(at), ...candidates.slice(0, at)];
  return order[(choice ?? 0) % order.length]!;
}

/** One decision as it was taken. */
export interface Step {
  replica: number;
  action: Action;
  /** The first line of the message sent, or of the one whose commit was let go. */
  message: string;
}

/**
 * The fixed interleavings `--exhaustive` runs from every starting state: one after the other; a
 * switch right after the first message (the next replica meets it uncommitted); a switch at every
 * decision.
 */
export function enumerated(length: number): number[][] {
  return [[], [0, 1], Array.from({ length }, () => 1)];
}

/** The longest list of choices worth drawing for a plan: every message and commit of every replica, with room. */
export function scheduleLength(blocks: number, statements: number, replicas: number): number {
  return Math.min(600, replicas * (2 * blocks + statements + 8));
}

/** An interleaving as a finding shows it: `r1 send …`, one step a line, the last `limit` steps. */
export function describeSteps(steps: readonly Step[], limit = 12): string {
  const shown = steps.slice(-limit);
  const lines = shown.map((s, i) => `${steps.length - shown.length + i + 1}. replica ${s.replica + 1} ${s.action === 'send' ? 'sends' : 'commits'}: ${s.message}`);
  return [...(steps.length > shown.length ? [`(${steps.length - shown.length} steps before)`] : []), ...lines].join('\n');
}
