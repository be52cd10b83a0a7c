import { describe, expect, it } from "vitest";
import type { HistoryEvent, HistoryModel, Operation } from "../../workloads/history-types.ts";
import { keySlot } from "../../workloads/slots.ts";
import type { ClusterSnapshot } from "../types.ts";
import { checkCompleteness, globToRegExp } from "./check.ts";
import { judgeKey, type Found } from "./expectations.ts";

let t = 0;
const op = (f: Operation["f"], input: unknown, status: "ok" | "info" = "ok", call?: number, ret?: number, output?: unknown): Operation => {
  const c = call ?? (t += 10);
  return { p: 0, key: "k", f, input, output, status, call: c, ret: status === "info" ? Infinity : ret ?? c + 5 };
};
const s = (value: string): Found => ({ kind: "string", value });
const missing: Found = { kind: "missing" };
const judge = (model: HistoryModel, ops: Operation[], found: Found, initial?: string) => judgeKey(model, { ops, initial }, found).cls;

describe("register", () => {
  it("the last acknowledged write is ok; an older one is lost; a value never written is unexpected", () => {
    const ops = [op("write", "a", "ok", 0, 5), op("write", "b", "ok", 10, 15)];
    expect(judge("register", ops, s("b"))).toBe("ok");
    expect(judge("register", ops, s("a"))).toBe("lost");
    expect(judge("register", ops, missing)).toBe("lost");
    expect(judge("register", ops, s("zzz"))).toBe("unexpected");
  });

  it("concurrent writes may each be last", () => {
    const ops = [op("write", "a", "ok", 0, 20), op("write", "b", "ok", 10, 15)];
    expect(judge("register", ops, s("a"))).toBe("ok");
    expect(judge("register", ops, s("b"))).toBe("ok");
  });

  it("an info write that landed is recovered; one that did not is fine", () => {
    const ops = [op("write", "a", "ok", 0, 5), op("write", "b", "info", 10)];
    expect(judge("register", ops, s("b"))).toBe("recovered");
    expect(judge("register", ops, s("a"))).toBe("ok");
    expect(judge("register", [op("write", "b", "info", 10)], missing)).toBe("ok");
  });

  it("a cas that did not swap writes nothing; a swapped cas does", () => {
    const ops = [op("write", "a", "ok", 0, 5), op("cas", ["x", "c"], "ok", 10, 15, false), op("cas", ["a", "d"], "ok", 20, 25, true)];
    expect(judge("register", ops, s("d"))).toBe("ok");
    expect(judge("register", ops, s("c"))).toBe("unexpected");
  });

  it("preloaded keys keep their exact value unless a write is acknowledged", () => {
    expect(judge("register", [], s("p"), "p")).toBe("ok");
    expect(judge("register", [], missing, "p")).toBe("lost");
    expect(judge("register", [], s("q"), "p")).toBe("unexpected");
    expect(judge("register", [op("write", "b", "info", 10)], s("p"), "p")).toBe("ok");
    expect(judge("register", [op("write", "b", "ok", 10, 15)], s("p"), "p")).toBe("lost");
  });
});

describe("preloaded keys", () => {
  it("big keys compare by their digest form", () => {
    expect(judge("register", [], { kind: "other", text: "type:hash:100" }, "type:hash:100")).toBe("ok");
    expect(judge("register", [], { kind: "list", elements: ["a", "b"] }, "type:list:2")).toBe("ok");
    expect(judge("register", [], { kind: "list", elements: ["a"] }, "type:list:2")).toBe("unexpected");
  });

  it("keys untracked load may rewrite are checked for presence only", () => {
    const h = { ops: [], initial: "p", presenceOnly: true };
    expect(judgeKey("register", h, s("rewritten")).cls).toBe("ok");
    expect(judgeKey("register", h, missing).cls).toBe("lost");
  });
});

describe("counter", () => {
  it("ok deltas must all be there; info deltas may be", () => {
    const ops = [op("incr", 1), op("incr", 2), op("incr", 5, "info")];
    expect(judge("counter", ops, s("3"))).toBe("ok");
    expect(judge("counter", ops, s("8"))).toBe("recovered");
    expect(judge("counter", ops, s("2"))).toBe("lost");
    expect(judge("counter", ops, s("9"))).toBe("unexpected");
    expect(judge("counter", ops, s("10"), "2")).toBe("recovered");
    expect(judge("counter", ops, s("x"))).toBe("unexpected");
  });
});

describe("kv-append", () => {
  it("every acknowledged append after the last write is in the value", () => {
    const ops = [op("append", "a;"), op("append", "b;"), op("append", "c;", "info")];
    expect(judge("kv-append", ops, s("a;b;"))).toBe("ok");
    expect(judge("kv-append", ops, s("b;a;"))).toBe("ok"); // order is linearizability's business
    expect(judge("kv-append", ops, s("a;b;c;"))).toBe("recovered");
    expect(judge("kv-append", ops, s("a;"))).toBe("lost");
    expect(judge("kv-append", ops, s("a;b;x;"))).toBe("unexpected");
    expect(judge("kv-append", ops, s("a;b;a;"))).toBe("unexpected"); // one append, two copies
  });

  it("a write resets the base", () => {
    const ops = [op("append", "a;", "ok", 0, 5), op("write", "W", "ok", 10, 15), op("append", "b;", "ok", 20, 25)];
    expect(judge("kv-append", ops, s("Wb;"))).toBe("ok");
    expect(judge("kv-append", ops, s("W"))).toBe("lost");
    expect(judge("kv-append", ops, s("a;b;"))).toBe("lost");
  });
});

describe("list-append", () => {
  const l = (...elements: string[]): Found => ({ kind: "list", elements });
  it("acknowledged elements present, nothing unwritten, duplicates unexpected", () => {
    const ops = [op("append", "1"), op("append", "2"), op("append", "3", "info")];
    expect(judge("list-append", ops, l("1", "2"))).toBe("ok");
    expect(judge("list-append", ops, l("1", "2", "3"))).toBe("recovered");
    expect(judge("list-append", ops, l("1"))).toBe("lost");
    expect(judge("list-append", ops, l("1", "2", "2"))).toBe("unexpected");
    expect(judge("list-append", ops, missing)).toBe("lost");
    expect(judge("list-append", ops, { kind: "other", text: "type:list:200000" })).toBe("unknown");
  });
});

describe("checkCompleteness on a synthetic snapshot", () => {
  // Two primaries: A owns slots 0-8191, B 8192-16383; R replicates A.
  const owners = Array.from({ length: 16384 }, (_, i) => (i < 8192 ? "A" : "B"));
  const keyIn = (lo: number, hi: number, tag: string) => {
    for (let i = 0; ; i++) {
      const k = `${tag}${i}`;
      const sl = keySlot(k);
      if (sl >= lo && sl <= hi) return k;
    }
  };
  const kA = keyIn(0, 8191, "a"), kA2 = keyIn(0, 8191, "x"), kB = keyIn(8192, 16383, "b");
  const snap = (a: Record<string, string>, b: Record<string, string>, r: Record<string, string> = a, bUnreadable: Record<string, string> = {}): ClusterSnapshot => ({
    takenAt: "", slotOwners: owners,
    nodes: [
      { id: "A", name: "primary:0", role: "primary", host: "", port: 1, keys: a, ownSlots: [[0, 8191]] },
      { id: "B", name: "primary:1", role: "primary", host: "", port: 2, keys: b, ownSlots: [[8192, 16383]], unreadable: bUnreadable },
      { id: "R", name: "primary:0/replica:0", role: "replica", primaryId: "A", host: "", port: 3, keys: r, replication: { offset: 10, primaryOffset: 10, caughtUp: true } },
    ],
  });
  const hist = (key: string, value: string, type: "ok" | "info" = "ok"): HistoryEvent[] => [
    { p: 1, type: "invoke", f: "write", key, value, t: 1 },
    { p: 1, type, f: "write", key, value, t: 2 },
  ];

  it("clean: valid, no false alarms, untracked keys only counted", () => {
    const r = checkCompleteness({ history: hist(kA, "v1"), model: "register", snapshot: snap({ [kA]: "v1", [kA2]: "p" }, { other: "x" }), preload: { keys: { [kA2]: "p" } } });
    expect(r.valid).toBe(true);
    expect(r.counts).toMatchObject({ ok: 2, untracked: keySlot("other") >= 8192 ? 1 : 0, lost: 0 });
  });

  it("lost, orphan, duplicate, replica-divergent, each with an example naming key, slot and node", () => {
    const r = checkCompleteness({
      history: [...hist(kA, "v1"), ...hist(kB, "v2")],
      model: "register",
      snapshot: snap({ [kA]: "v1" }, {}, { [kA]: "OLD" }, { [kA]: "digest:abc" }),
    });
    expect(r.valid).toBe(false);
    expect(r.counts.lost).toBe(1);
    expect(r.counts.orphan).toBe(1); // kA also sits on B, which does not own its slot
    const lost = r.examples.find((e) => e.kind === "lost")!;
    expect(lost).toMatchObject({ key: kB, slot: keySlot(kB), node: "primary:1", actual: "missing" });
    const orphan = r.examples.find((e) => e.kind === "orphan")!;
    expect(orphan).toMatchObject({ key: kA, node: "primary:1" });
    expect(orphan.note).toMatch(/also replica-divergent/);
    expect(r.replicas[0]).toMatchObject({ node: "primary:0/replica:0", divergentKeys: 1 });
    // a slot-count mismatch for kB's slot on B
    expect(r.examples.some((e) => e.kind === "slot-count" && e.slot === keySlot(kB))).toBe(true);
  });

  it("preloaded keys the untracked load shares: a rewritten value is fine, a missing key is lost", () => {
    const preload = { keys: { [kA]: "p", [kA2]: "p" }, overwritable: [kA, kA2] };
    const r = checkCompleteness({ history: [], model: "register", snapshot: snap({ [kA]: "rewritten" }, {}), preload });
    expect(r.counts).toMatchObject({ ok: 1, lost: 1, unexpected: 0 });
    const exact = checkCompleteness({ history: [], model: "register", snapshot: snap({ [kA]: "rewritten", [kA2]: "p" }, {}), preload: { keys: preload.keys } });
    expect(exact.counts).toMatchObject({ ok: 1, unexpected: 1 });
  });

  it("duplicate: a second primary that believes it owns the slot", () => {
    const s2 = snap({ [kA]: "v1" }, { [kA]: "v1" });
    s2.nodes[1].ownSlots = [[0, 16383]];
    const r = checkCompleteness({ history: hist(kA, "v1"), model: "register", snapshot: s2 });
    expect(r.counts.duplicate).toBe(1);
    expect(r.valid).toBe(false);
  });

  it("recovered info write keeps the check valid", () => {
    const r = checkCompleteness({ history: hist(kA, "v9", "info"), model: "register", snapshot: snap({ [kA]: "v9" }, {}) });
    expect(r).toMatchObject({ valid: true, counts: { recovered: 1 } });
  });

  it("an unread owner makes its keys unknown", () => {
    const s2 = snap({}, {});
    s2.nodes[0].error = "node is paused";
    const r = checkCompleteness({ history: hist(kA, "v1"), model: "register", snapshot: s2 });
    expect(r.valid).toBe("unknown");
    expect(r.counts.unknown).toBe(1);
  });

  it("an owner missing from the snapshot (killed, removed) makes its keys unknown, not lost", () => {
    const s2 = snap({}, {});
    s2.nodes.splice(1, 1);
    const r = checkCompleteness({ history: hist(kB, "v1"), model: "register", snapshot: s2 });
    expect(r).toMatchObject({ valid: "unknown", counts: { unknown: 1, lost: 0 } });
  });

  it("server-side slot counts catch keys the snapshot did not read", () => {
    const s2 = snap({ [kA]: "v1" }, {});
    s2.slotKeyCounts = { [String(keySlot(kA))]: 2 };
    const r = checkCompleteness({ history: hist(kA, "v1"), model: "register", snapshot: s2 });
    expect(r.valid).toBe(false);
    expect(r.slots.mismatched).toBe(1);
  });
});

describe("globToRegExp", () => {
  it("follows Redis glob rules", () => {
    expect(globToRegExp("k:*").test("k:1")).toBe(true);
    expect(globToRegExp("k:?").test("k:12")).toBe(false);
    expect(globToRegExp("k:[ab]x").test("k:bx")).toBe(true);
    expect(globToRegExp("k:[^ab]x").test("k:bx")).toBe(false);
    expect(globToRegExp("a.b\\*").test("a.b*")).toBe(true);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
  });
});
