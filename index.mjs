// Programmatic API: `import { run } from "slotproof"`.
import { register } from "tsx/esm/api";
register();
const api = await import("./harness/api.ts");
export const run = api.run;
export const loadScenario = api.loadScenario;
