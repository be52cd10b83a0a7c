// Worker-thread entry: worker threads do not inherit the parent's tsx loader, so the
// bootstrap registers it (harmless when already registered) and loads the TypeScript.
import { register } from "tsx/esm/api";
register();
await import("./worker-impl.ts");
