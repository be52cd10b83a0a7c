// Worker entry: register tsx in this thread (a worker does not inherit `--import tsx`), then run the TypeScript worker.
import { register } from "tsx/esm/api";

register();
await import("./load-worker.ts");
