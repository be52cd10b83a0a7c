import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCluster } from "../../providers/local.ts";
import { runMigration } from "../driver.ts";
import { planMigration, readTopology } from "../planner.ts";
import { migratePhase, preloadKeys, startTestCluster, testDataset, verifyPlacement } from "../testkit.ts";
import type { MigrationEvent, MigrationOutcome } from "../types.ts";
import { substitute } from "./command.ts";

describe("command placeholders", () => {
  const values = { seed: "127.0.0.1:7000", plan: "/tmp/a b/plan.json", source: "127.0.0.1:7000", sourceId: "abc", target: "127.0.0.1:7001", targetId: "def", slots: "0-10 20-20", cli: "/x/valkey-cli" };
  it("substitutes shell-quoted values and leaves ${VAR} and unknown names alone", () => {
    expect(substitute("{cli} --cluster rebalance {seed} --x", values)).toBe("/x/valkey-cli --cluster rebalance 127.0.0.1:7000 --x");
    expect(substitute("cat {plan}; echo {slots}", values)).toBe("cat '/tmp/a b/plan.json'; echo '0-10 20-20'");
    expect(substitute('echo ${seed} {other} "{targetId}"', values)).toBe('echo ${seed} {other} "def"');
    expect(substitute("echo {seed}", { ...values, seed: "it's" })).toBe(`echo 'it'\\''s'`);
  });
});

describe("command strategy (valkey 9.1)", () => {
  let cluster: LocalCluster;
  let outDir: string;
  const data = testDataset(2000);

  beforeAll(async () => {
    cluster = await startTestCluster("valkey-9.1");
    await preloadKeys(cluster, data.entries);
    outDir = mkdtempSync(path.join(os.tmpdir(), "slotproof-cmd-test-"));
  });
  afterAll(async () => {
    await cluster?.stop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  const explicit = async (command: string, params: Record<string, unknown> = {}, signal = new AbortController().signal, slots = "100-149") => {
    const plan = planMigration({ moves: [{ slots, from: "primary:0", to: "primary:1" }] }, await readTopology(cluster));
    const events: MigrationEvent[] = [];
    const t0 = performance.now();
    const outcome: MigrationOutcome = await runMigration(plan, "command", { cluster, signal, now: () => performance.now() - t0, params: { command, ...params }, outDir }, (e) => events.push(e));
    return { plan, outcome, events };
  };

  it("scales out 3→4 with `valkey-cli --cluster rebalance --cluster-use-empty-masters`", { timeout: 300_000 }, async () => {
    const r = await migratePhase(cluster, { scaleOut: 1 }, "command", { command: "{cli} --cluster rebalance {seed} --cluster-use-empty-masters --cluster-yes" }, data);
    expect(r.outcome.outcome, r.outcome.error).toBe("success");
    expect(r.outcome.exitCode).toBe(0);
    expect(r.outcome.verification).toMatchObject({ healthy: true, problems: [] });
    expect(r.placement).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
    // progress is observed from the cluster, whatever the tool does
    expect(r.outcome.slotsMoved).toBeGreaterThan(4000);
    expect(r.events.filter((e) => e.kind === "progress").length).toBeGreaterThan(2);
    console.log(`command rebalance: ${r.outcome.durationMs} ms, ${r.outcome.slotsMoved}/${r.outcome.slotsPlanned} planned slots moved, errors ${JSON.stringify(r.errors)}`);
  });

  it("scales in 4→3 with a script that reads SLOTPROOF_PLAN and moves each range atomically", { timeout: 120_000 }, async () => {
    const script = [
      "set -e",
      `node -e 'for (const m of JSON.parse(require("fs").readFileSync(process.env.SLOTPROOF_PLAN, "utf8"))) console.log(m.source.host, m.source.port, m.target.id, m.slots.flat().join(" "))' |`,
      "while read host port target slots; do",
      '  "$SLOTPROOF_CLI" -h "$host" -p "$port" CLUSTER MIGRATESLOTS SLOTSRANGE $slots NODE "$target" | grep -q OK',
      "done",
      'while "$SLOTPROOF_CLI" -h "${SLOTPROOF_SOURCE%:*}" -p "${SLOTPROOF_SOURCE#*:}" CLUSTER GETSLOTMIGRATIONS | grep -qE "^(snapshotting|replicating|waiting|failover|connecting|sending|reading)"; do sleep 0.05; done',
      'echo "moved from $SLOTPROOF_SOURCE_ID"',
    ].join("\n");
    const r = await migratePhase(cluster, { scaleIn: 1 }, "command", { command: script }, data);
    expect(r.outcome.outcome, r.outcome.error).toBe("success");
    expect(r.removed).toEqual(["new:0"]);
    expect(r.placement).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
    expect((await cluster.health()).ok).toBe(true);
  });

  it("gives the tool the first move in SLOTPROOF_* variables and {placeholders}", { timeout: 120_000 }, async () => {
    const { plan, outcome } = await explicit(
      'echo "seed=$SLOTPROOF_SEED src=$SLOTPROOF_SOURCE srcid=$SLOTPROOF_SOURCE_ID dst=$SLOTPROOF_TARGET dstid=$SLOTPROOF_TARGET_ID slots=$SLOTPROOF_SLOTS cli=$SLOTPROOF_CLI placeholder={slots}"; test -s "$SLOTPROOF_PLAN" && ' +
        "{cli} --cluster reshard {seed} --cluster-from {sourceId} --cluster-to {targetId} --cluster-slots 50 --cluster-yes > /dev/null",
      {},
      undefined,
      "0-49",
    );
    expect(outcome.outcome, outcome.error).toBe("success");
    const m = plan.moves[0];
    const stdout = readFileSync(path.join(outDir, "command.stdout.log"), "utf8");
    expect(stdout).toContain(`src=${m.source.host}:${m.source.port} srcid=${m.source.id} dst=${m.target.host}:${m.target.port} dstid=${m.target.id} slots=0-49 cli=${cluster.cliPath} placeholder=0-49`);
    expect(JSON.parse(readFileSync(path.join(outDir, "command-plan.json"), "utf8"))).toEqual([{ source: { id: m.source.id, host: m.source.host, port: m.source.port }, target: { id: m.target.id, host: m.target.host, port: m.target.port }, slots: [[0, 49]] }]);
    expect(outcome.slotsMoved).toBe(50);
    expect(outcome.verification?.healthy).toBe(true);
  });

  it("a script that exits non-zero is a failed migration, not a harness error", async () => {
    const { outcome, events } = await explicit("echo starting; echo 'cannot reach the moon' >&2; exit 3");
    expect(outcome.outcome).toBe("failed");
    expect(outcome.exitCode).toBe(3);
    expect(outcome.error).toBe("command exited with code 3: cannot reach the moon");
    expect(events.at(-1)).toMatchObject({ kind: "finished", outcome: "failed", exitCode: 3 });
    expect(readFileSync(path.join(outDir, "command.stderr.log"), "utf8")).toBe("cannot reach the moon\n");
  });

  it("a timeout kills the whole process group", { timeout: 30_000 }, async () => {
    const pidFile = path.join(outDir, "sleeper.pid");
    const { outcome } = await explicit(`sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 700 });
    expect(outcome.outcome).toBe("timeout");
    expect(outcome.durationMs!).toBeLessThan(5000);
    const pid = Number(readFileSync(pidFile, "utf8"));
    await new Promise((r) => setTimeout(r, 300));
    // gone, or a zombie nobody reaped yet (this container's init may not reap)
    const state = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] : "gone";
    expect(["gone", "Z", "X"]).toContain(state);
  });

  it("an abort cancels the tool", { timeout: 30_000 }, async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const { outcome } = await explicit("sleep 20", {}, ac.signal);
    expect(outcome.outcome).toBe("cancelled");
    expect(outcome.durationMs!).toBeLessThan(5000);
  });

  it("a missing command is a usage error naming migration.command", async () => {
    const plan = planMigration({ moves: [{ slots: "0", from: "primary:1", to: "primary:0" }] }, await readTopology(cluster));
    await expect(runMigration(plan, "command", { cluster, signal: new AbortController().signal, now: () => 0, params: {} })).rejects.toThrow(/migration\.command: missing/);
    expect(existsSync(outDir)).toBe(true);
  });

  it("leaves the keys of the explicit move on their owner", async () => {
    expect(await verifyPlacement(cluster, data.entries)).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
  });
});
