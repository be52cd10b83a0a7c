// Free loopback ports for cluster nodes. A node needs two: its port and port+10000
// (the cluster bus), so both are probed. Ports are drawn from a range well below the
// kernel's ephemeral range so that outgoing connections do not steal them.
import net from "node:net";

const LOW = 10000;
const HIGH = 22000; // bus ports land in 20000..32000, below the ephemeral range (32768+ on Linux)
const taken = new Set<number>();

function probe(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port p such that p and p+10000 are free on `host` now (not reserved in this process). */
export async function freeNodePort(host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const p = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (taken.has(p)) continue;
    if ((await probe(p, host)) && (await probe(p + 10000, host))) {
      taken.add(p);
      return p;
    }
  }
  throw new Error(`no free port pair (p, p+10000) found on ${host} in ${LOW}-${HIGH}`);
}

export function releasePort(p: number): void {
  taken.delete(p);
}

/** Whether `port` is free on `host` (for validating user-chosen ports). */
export function portIsFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return probe(port, host);
}
