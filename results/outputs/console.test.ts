import { describe, expect, it } from "vitest";
import { makeErrorFixture, makeHostileFixture, makeRunFixture } from "../fixtures/run-fixture.ts";
import { consoleSummary } from "./console.ts";

describe("console summary", () => {
  it("leads with the verdict and lists every check and gate", () => {
    const r = makeRunFixture();
    const lines = consoleSummary(r, { dir: "runs/abc/" });
    expect(lines[0]).toBe("slotproof: FAIL  scale-out-atomic-under-chaos (seed 42) — linearizable: 1 key not linearizable; completeness: 2 keys lost");
    for (const name of Object.keys(r.checks)) expect(lines.some((l) => l.includes(` ${name} `))).toBe(true);
    expect(lines).toContain("    UNKNOWN  redirects.server_match       INFO errorstats not collected from new:0 (node added mid-run)");
    expect(lines.find((l) => l.startsWith("  migration:"))).toBe("  migration: atomic success, 4,096/4,096 slots, 25,000 keys in 23.1 s (1,082 keys/s)");
    expect(lines.at(-1)).toBe("  report: runs/abc/report.html");
  });

  it("still says why for a run that died", () => {
    const lines = consoleSummary(makeErrorFixture());
    expect(lines[0]).toMatch(/^slotproof: ERROR .* — cluster did not form/);
    expect(lines.some((l) => l.startsWith("  load:"))).toBe(false);
  });

  it("cannot be used to send terminal escapes", () => {
    const text = consoleSummary(makeHostileFixture()).join("\n");
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e]/);
    expect(text).toContain("\\u001b[31mred");
    expect(text.split("\n").every((l) => !l.includes("\u2028"))).toBe(true);
  });
});
