// Worker bootstrap: load TypeScript through tsx whether the parent runs under
// tsx, vitest or plain node, then start the real worker module.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
