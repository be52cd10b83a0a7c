// Pairing Jepsen-style events into operations.
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../workloads/history-types.ts";
import { historyToOperations, pairHistory, partitionByKey } from "./operations.ts";

const ev = (p: number, type: HistoryEvent["type"], f: HistoryEvent["f"], value: unknown, t: number, key = "k"): HistoryEvent => ({ p, type, f, key, value, t });

describe("historyToOperations", () => {
  it("pairs invoke and ok per process; reads take the completion's value", () => {
    const ops = historyToOperations([
      ev(1, "invoke", "write", "a", 0),
      ev(2, "invoke", "read", null, 1),
      ev(2, "ok", "read", "a", 5),
      ev(1, "ok", "write", "a", 6),
    ]);
    expect(ops).toEqual([
      { p: 1, key: "k", f: "write", input: "a", output: "a", status: "ok", call: 0, ret: 6 },
      { p: 2, key: "k", f: "read", input: null, output: "a", status: "ok", call: 1, ret: 5 },
    ]);
  });

  it("drops fail ops, and makes info and unfinished invokes unknown (ret Infinity)", () => {
    const { ops, failed } = pairHistory([
      ev(1, "invoke", "write", "a", 0),
      ev(1, "fail", "write", "a", 1),
      ev(2, "invoke", "write", "b", 2),
      ev(2, "info", "write", "b", 3),
      ev(3, "invoke", "write", "c", 4),
    ]);
    expect(failed.map((o) => o.input)).toEqual(["a"]);
    expect(ops).toEqual([
      { p: 2, key: "k", f: "write", input: "b", output: undefined, status: "info", call: 2, ret: Infinity },
      { p: 3, key: "k", f: "write", input: "c", output: undefined, status: "info", call: 4, ret: Infinity },
    ]);
  });

  it("a new invoke on a process with one in flight leaves the earlier one unknown", () => {
    const ops = historyToOperations([ev(1, "invoke", "write", "a", 0), ev(1, "invoke", "read", null, 5), ev(1, "ok", "read", "a", 6)]);
    expect(ops.map((o) => [o.f, o.status, o.ret])).toEqual([["write", "info", Infinity], ["read", "ok", 6]]);
  });

  it("sorts by call even when events are not in time order; works for any process id", () => {
    const ops = historyToOperations([
      ev(-7, "invoke", "read", null, 10),
      ev(1e9, "invoke", "read", null, 3),
      ev(-7, "ok", "read", null, 12),
      ev(1e9, "ok", "read", null, 4),
    ]);
    expect(ops.map((o) => [o.p, o.call])).toEqual([[1e9, 3], [-7, 10]]);
  });

  it("rejects a completion with no invoke, or one that does not match its invoke", () => {
    expect(() => historyToOperations([ev(1, "ok", "read", "a", 0)])).toThrow(/history\[0\] is a ok completion for process 1 with no pending invoke/);
    expect(() => historyToOperations([ev(1, "invoke", "read", null, 0), ev(1, "ok", "write", "a", 1)])).toThrow(
      /history\[1\] completes write on key "k" but process 1 invoked read/,
    );
    expect(() => historyToOperations([ev(1, "invoke", "read", null, 5), ev(1, "ok", "read", "a", 1)])).toThrow(/before its invoke/);
    expect(() => historyToOperations([{ ...ev(1, "invoke", "read", null, 0), type: "begin" as "invoke" }])).toThrow(
      /history\[0\]\.type is "begin"; allowed: invoke, ok, fail, info/,
    );
  });
});

describe("partitionByKey", () => {
  it("keeps each key's ops in order", () => {
    const ops = historyToOperations([
      ev(1, "invoke", "read", null, 0, "a"), ev(1, "ok", "read", null, 1, "a"),
      ev(2, "invoke", "read", null, 2, "b"), ev(2, "ok", "read", null, 3, "b"),
      ev(1, "invoke", "read", null, 4, "a"), ev(1, "ok", "read", null, 5, "a"),
    ]);
    const parts = partitionByKey(ops);
    expect([...parts.keys()]).toEqual(["a", "b"]);
    expect(parts.get("a")!.map((o) => o.call)).toEqual([0, 4]);
  });
});
