// `legacy`: exactly what `valkey-cli --cluster reshard/rebalance` does, one slot after
// another (SETSLOT IMPORTING/MIGRATING, GETKEYSINSLOT + MIGRATE batches, SETSLOT NODE).
// Works on every server with cluster support (Redis 7.0, Valkey 9.1).
import { eventsFrom } from "../channel.ts";
import { parseLegacyParams, runSlotMoves } from "../legacy-core.ts";
import type { MigrationEvent, MigrationStrategy } from "../types.ts";

export const legacy: MigrationStrategy = {
  name: "legacy",
  async preflight(_cluster, params) {
    parseLegacyParams(params, "legacy");
  },
  run(plan, ctx) {
    const p = parseLegacyParams(ctx.params, "legacy");
    return eventsFrom<MigrationEvent>((out) => runSlotMoves(plan, ctx, p, { parallel: 1 }, out));
  },
};
