// Sequential specifications the search checks against, one key at a time.
// A model compiles a key's operations into typed arrays and a `step` over small
// integer state ids (values are interned), so the search's memo cache can store
// states as plain ints and the hot loop allocates nothing.
import type { ModelSpec, SearchModelName } from "./model-common.ts";
import { counterModel } from "./model-counter.ts";
import { kvAppendModel } from "./model-kv-append.ts";
import { registerModel } from "./model-register.ts";

export * from "./model-common.ts";
export { counterModel, kvAppendModel, registerModel };

export const SEARCH_MODELS: Record<SearchModelName, ModelSpec> = {
  register: registerModel,
  "kv-append": kvAppendModel,
  counter: counterModel,
};
