// The local provider against real servers: clusters form on both server kinds, the
// topology view agrees with `valkey-cli --cluster check`, nodes can be added, killed,
// paused and restarted, and nothing is left behind.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { installServer } from "../servers/install.ts";
import { startLocalCluster, type LocalCluster } from "./local.ts";

const run = promisify(execFile);

async function cliCheck(cluster: LocalCluster): Promise<{ agree: boolean; covered: boolean; primaries: Map<string, { slots: number; replicas: number }> }> {
  const valkey = await installServer("valkey-9.1");
  const { stdout } = await run(valkey.cliPath, ["--cluster", "check", cluster.seed()], { env: { ...process.env, NO_COLOR: "1" } }).catch((e) => e);
  const text = String(stdout).replace(/\x1b\[[0-9;]*m/g, "");
  const primaries = new Map<string, { slots: number; replicas: number }>();
  // e.g. "127.0.0.1:7000 (3c3a0c74...) -> 0 keys | 5461 slots | 1 replicas."
  for (const m of text.matchAll(/^\S+ \(([0-9a-f]{8})\.\.\.\) -> \d+ keys \| (\d+) slots \| (\d+) replicas?\./gm)) {
    primaries.set(m[1], { slots: Number(m[2]), replicas: Number(m[3]) });
  }
  return { agree: text.includes("[OK] All nodes agree about slots configuration."), covered: text.includes("[OK] All 16384 slots covered."), primaries };
}

function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const server of ["valkey-9.1", "redis-7.0"]) {
  describe(`local provider on ${server}`, () => {
    for (const [primaries, replicas] of [[3, 1], [5, 0]] as const) {
      it(`forms a ${primaries}x${replicas} cluster that valkey-cli --cluster check agrees with, and releases it`, async () => {
        const c = await startLocalCluster({ server, primaries, replicasPerPrimary: replicas });
        const pids = c.nodes().map((n) => n.pid);
        const dir = c.workDir;
        try {
          expect(c.nodes()).toHaveLength(primaries * (1 + replicas));
          const h = await c.health();
          expect(h.problems).toEqual([]);
          expect(h.ok).toBe(true);
          expect(h.slotsCovered).toBe(16384);
          const cli = await cliCheck(c);
          expect(cli.agree).toBe(true);
          expect(cli.covered).toBe(true);
          // Same primaries, same slot counts, same replica counts as our view.
          expect(cli.primaries.size).toBe(primaries);
          for (const [id, slots] of Object.entries(h.slotsPerPrimary)) {
            const seen = cli.primaries.get(id.slice(0, 8));
            expect(seen, `primary ${id} in --cluster check`).toBeDefined();
            expect(seen!.slots).toBe(slots);
            expect(seen!.replicas).toBe(h.replicas[id].length);
          }
          // The slot split is even within one slot.
          const counts = Object.values(h.slotsPerPrimary);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
          // Cluster-routed writes work.
          const k = new Redis.Cluster([{ host: "127.0.0.1", port: c.node("primary:0").port }]);
          await k.set("hello", "world");
          expect(await k.get("hello")).toBe("world");
          k.disconnect();
        } finally {
          await c.stop();
        }
        for (const pid of pids) expect(pidAlive(pid)).toBe(false);
        expect(existsSync(dir)).toBe(false);
      });
    }
  });
}

describe("local provider operations (valkey-9.1)", () => {
  it("adds an empty primary and a replica, kills, pauses, resumes, restarts and removes nodes", async () => {
    const c = await startLocalCluster({ server: "valkey-9.1", primaries: 3, replicasPerPrimary: 0 });
    try {
      const added = await c.addNode();
      expect(added.name).toBe("new:0");
      expect(added.role).toBe("primary");
      const rep = await c.addNode({ replicaOf: "new:0" });
      expect(rep.role).toBe("replica");
      let h = await c.health();
      expect(h.ok).toBe(true);
      expect(h.slotsPerPrimary[added.id]).toBe(0);
      expect(h.replicas[added.id]).toEqual([rep.id]);

      // pause: the node stops answering; resume: it answers again
      await c.pause("primary:1");
      const probe = new Redis({ port: c.node("primary:1").port, lazyConnect: true, commandTimeout: 300, maxRetriesPerRequest: 0 });
      probe.on("error", () => {});
      await probe.connect().catch(() => {});
      await expect(probe.ping()).rejects.toThrow();
      probe.disconnect();
      await c.resume("primary:1");
      expect(await c.admin("primary:1").ping()).toBe("PONG");

      // kill: the process is gone; restart: same id and port, data dir kept
      const before = c.node("primary:2");
      await c.kill("primary:2");
      expect(c.node("primary:2").state).toBe("killed");
      expect(pidAlive(before.pid)).toBe(false);
      await c.restart("primary:2");
      const after = c.node("primary:2");
      expect(after.state).toBe("running");
      expect(after.id).toBe(before.id);
      expect(after.port).toBe(before.port);
      expect(pidAlive(after.pid)).toBe(true);
      h = await c.waitHealthy(30_000);
      expect(h.ok).toBe(true);

      // remove the replica and the empty primary: the others forget them
      await c.removeNode(rep.name);
      await c.removeNode("new:0");
      h = await c.waitHealthy(10_000);
      expect(Object.keys(h.slotsPerPrimary)).toHaveLength(3);
      expect(c.nodes()).toHaveLength(3);
    } finally {
      await c.stop();
    }
  });

  it("refuses to remove a primary that owns slots", async () => {
    const c = await startLocalCluster({ server: "valkey-9.1", primaries: 3, replicasPerPrimary: 0 });
    try {
      await expect(c.removeNode("primary:0")).rejects.toThrow(/still owns slots/);
    } finally {
      await c.stop();
    }
  });

  it("applies server config overrides from the spec", async () => {
    const c = await startLocalCluster({ server: "valkey-9.1", primaries: 3, replicasPerPrimary: 0, config: { "repl-timeout": 17, appendonly: "yes" } });
    try {
      expect(await c.admin("primary:0").call("CONFIG", "GET", "repl-timeout")).toEqual(["repl-timeout", "17"]);
      expect(await c.admin("primary:1").call("CONFIG", "GET", "appendonly")).toEqual(["appendonly", "yes"]);
    } finally {
      await c.stop();
    }
  });

  it("rejects bad specs with a message naming the field", async () => {
    await expect(startLocalCluster({ server: "valkey-9.1", primaries: 0, replicasPerPrimary: 0 })).rejects.toThrow(/cluster.primaries: 0/);
    await expect(startLocalCluster({ server: "valkey-9.1", primaries: 3, replicasPerPrimary: 9 })).rejects.toThrow(/cluster.replicas: 9/);
    await expect(startLocalCluster({ server: "valky-9.1", primaries: 3, replicasPerPrimary: 0 })).rejects.toThrow(/did you mean 'valkey-9.1'/);
    await expect(startLocalCluster({ server: "valkey-9.1", primaries: 3, replicasPerPrimary: 0, host: "10.0.0.1" })).rejects.toThrow(/only loopback/);
  });
});
