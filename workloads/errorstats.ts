// Server-side view of redirects: `INFO errorstats` (errorstat_MOVED:count=N, ...) of
// every primary, before and after, to cross-check the client-side counters.
import type { StartedCluster } from "../harness/providers/types.ts";

export interface ErrorstatsTarget {
  name: string;
  /** returns the text of `INFO <section>` */
  info(section: string): Promise<string>;
}

/** node name -> error name (MOVED, ASK, TRYAGAIN, ...) -> count */
export type ErrorstatsSnapshot = Record<string, Record<string, number>>;

export function parseErrorstats(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^errorstat_([^:\s]+):count=(\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/** Targets for every running primary of a started cluster (uses its admin connections). */
export function primaryTargets(cluster: StartedCluster): ErrorstatsTarget[] {
  return cluster
    .nodes()
    .filter((n) => n.role === "primary" && n.state === "running")
    .map((n) => ({ name: n.name, info: (section: string) => cluster.admin(n.name).info(section) }));
}

/**
 * Reads errorstats of every target, each bounded by `timeoutMs`; a dead or paused
 * node is left out (its delta then counts from 0) rather than hanging the caller.
 */
export async function snapshotErrorstats(targets: ErrorstatsTarget[], timeoutMs = 2000): Promise<ErrorstatsSnapshot> {
  const out: ErrorstatsSnapshot = {};
  await Promise.all(
    targets.map(async (t) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
      try {
        const text = await Promise.race([t.info("errorstats"), timeout]);
        if (text !== undefined) out[t.name] = parseErrorstats(text);
      } catch {
        // unreachable: no figure
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return out;
}

/** Sum over nodes of after - before, per error name (nodes that joined count from 0). */
export function errorstatsDelta(before: ErrorstatsSnapshot, after: ErrorstatsSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [node, stats] of Object.entries(after)) {
    for (const [name, count] of Object.entries(stats)) {
      const d = count - (before[node]?.[name] ?? 0);
      if (d !== 0) out[name] = (out[name] ?? 0) + d;
    }
  }
  return out;
}
