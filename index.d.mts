// Types of the programmatic API (index.mjs loads the TypeScript sources through tsx).
export declare const run: typeof import("./harness/api.ts").run;
export declare const loadScenario: typeof import("./harness/api.ts").loadScenario;
export type { RunOptions, RunOutcome, Scenario } from "./harness/api.ts";
