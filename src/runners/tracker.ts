import type { Plan, RunnerModel, TrackerSpec } from './types.js';

/** The tracker a plan's runs keep: the plan's own when its runner options chose one, else the model's. */
export function trackerOf(model: RunnerModel, plan: Plan): TrackerSpec | undefined {
  if (plan.tracker !== undefined) return plan.tracker ?? undefined;
  return model.tracker;
}
