/** Types for scripts/readme-examples.mjs, which test/integration/readme.test.ts imports. */
export declare const ROOT: string;
export declare const README: string;
export declare const EXAMPLES: Record<string, { args: string[]; showExit?: boolean }>;
export declare function normalise(output: string): string;
export declare function comparable(text: string): string;
export declare function runExample(name: string): Promise<string>;
export declare function readmeBlocks(readme: string): Map<string, string>;
export declare function scenarioNames(): string[];
export declare function scenarioList(): string;
export declare function readmeScenarios(readme: string): string | undefined;
