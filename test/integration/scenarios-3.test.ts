import { describeScenarios, part } from './scenario-suite.js';

// Part 3 of the scenarios (see scenario-suite.ts): its own file, so that another worker takes it.
describeScenarios(part(2));
