// Porcupine's corpus: 108 real histories (Jepsen etcd register logs, kv logs) with
// known verdicts. The checker must agree with every one.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkOperations } from "./check.ts";
import { historyToOperations } from "./operations.ts";
import { parseCorpusFile, parseJepsenEtcdLog, parseKvEdnLog } from "./porcupine-formats.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const corpus = path.resolve(repoRoot, "../shared/conformance/porcupine");
const expected = JSON.parse(readFileSync(path.join(corpus, "expected.json"), "utf8")) as Record<string, boolean>;

describe("Porcupine conformance corpus", () => {
  it("has a verdict for every history but the one whose test never ran", () => {
    const files = ["jepsen", "kv"].flatMap((dir) => readdirSync(path.join(corpus, dir)).map((f) => `${dir}/${f}`));
    expect(Object.keys(expected)).toHaveLength(108);
    expect(files.filter((f) => !(f in expected))).toEqual(["jepsen/etcd_095.log"]);
    for (const f of Object.keys(expected)) expect(existsSync(path.join(corpus, f))).toBe(true);
  });

  it.each(Object.entries(expected))("%s is linearizable: %s", async (file, verdict) => {
    const history = parseCorpusFile(file, readFileSync(path.join(corpus, file), "utf8"));
    const result = await checkOperations(history.model, historyToOperations(history.events), {
      initial: () => history.initial,
      workers: 0,
      shrinkBudgetMs: 200,
    });
    expect(result.valid).toBe(verdict);
    if (!verdict) expect(result.violations.length).toBeGreaterThan(0);
  });
});

describe("corpus parsers", () => {
  it("read etcd lines: nil, integers, [from to], :info with no value, compare-failed cas", () => {
    const events = parseJepsenEtcdLog(
      [
        "INFO  jepsen.util - 3\t:invoke\t:read\tnil",
        "INFO  jepsen.util - 3\t:ok\t:read\t4",
        "INFO  jepsen.util - 1   :invoke :cas    [1 2]",
        "INFO  jepsen.util - 1   :fail   :cas    [1 2]",
        "INFO  jepsen.util - 4\t:invoke\t:write\t0",
        "INFO  jepsen.util - 4\t:info\t:write\t:timed-out",
        "",
      ].join("\n"),
    );
    expect(events).toEqual([
      { p: 3, type: "invoke", f: "read", key: "r", value: null, t: 0 },
      { p: 3, type: "ok", f: "read", key: "r", value: 4, t: 1 },
      { p: 1, type: "invoke", f: "cas", key: "r", value: [1, 2], t: 2 },
      { p: 1, type: "ok", f: "cas", key: "r", value: false, t: 3 },
      { p: 4, type: "invoke", f: "write", key: "r", value: 0, t: 4 },
      { p: 4, type: "info", f: "write", key: "r", value: undefined, t: 5 },
    ]);
    expect(() => parseJepsenEtcdLog("INFO  jepsen.core - something else", "x.log")).toThrow(/x.log:1: not a jepsen.util op line/);
  });

  it("read EDN kv lines with escaped strings", () => {
    const events = parseKvEdnLog(
      ['{:process 9, :type :invoke, :f :append, :key "0", :value "x \\"9\\" y"}', '{:process 9, :type :ok, :f :get, :key "0", :value ""}'].join("\n"),
    );
    expect(events).toEqual([
      { p: 9, type: "invoke", f: "append", key: "0", value: 'x "9" y', t: 0 },
      { p: 9, type: "ok", f: "read", key: "0", value: "", t: 1 },
    ]);
    expect(() => parseKvEdnLog("{:process 1}", "c.txt")).toThrow(/c.txt:1: not an EDN kv op line/);
  });
});
