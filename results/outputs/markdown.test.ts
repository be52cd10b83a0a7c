import { describe, expect, it } from "vitest";
import { makePacingFixture } from "../fixtures/pacing-fixture.ts";
import { makeErrorFixture, makeHostileFixture, makeRunFixture } from "../fixtures/run-fixture.ts";
import { renderMarkdown } from "./markdown.ts";

/** cells of a GFM table row, honouring \| escapes */
const cells = (row: string) => row.replace(/\\\|/g, "\u0001").split("|").slice(1, -1).map((c) => c.trim().replace(/\u0001/g, "\\|"));

describe("summary.md", () => {
  it("starts with the verdict and has a verdict table row per check and per gate", () => {
    const r = makeRunFixture();
    const md = renderMarkdown(r);
    expect(md.split("\n")[0]).toBe("### ❌ slotproof: FAIL — scale-out-atomic-under-chaos");
    const lines = md.split("\n");
    const head = lines.indexOf("| Result | Kind | Name | Detail |");
    expect(head).toBeGreaterThan(0);
    expect(lines[head + 1]).toBe("| --- | --- | --- | --- |");
    const rows = lines.slice(head + 2, head + 2 + Object.keys(r.checks).length + r.gates.length).map(cells);
    expect(rows.map((c) => c[1])).toEqual([...Object.keys(r.checks).map(() => "check"), ...r.gates.map(() => "gate")]);
    expect(rows[0]).toEqual(["❌ fail", "check", "linearizable", expect.stringContaining("1 of 2,000 keys")]);
    expect(rows.find((c) => c[2] === "topology")?.[0]).toBe("✅ pass");
    expect(rows.find((c) => c[2] === "redirects.server\\_match")?.[0]).toBe("⚠️ unknown");
    expect(md).toContain("| p99 baseline → worst | 950 µs → 1.43 s (1053×) |");
    expect(md).toMatch(/<details><summary>What failed, and where<\/summary>/);
  });

  it("says pass plainly for a passing run and error for a dead one", () => {
    expect(renderMarkdown(makeRunFixture({ outcome: "pass" })).split("\n")[0]).toMatch(/^### ✅ slotproof: PASS/);
    const err = renderMarkdown(makeErrorFixture());
    expect(err.split("\n")[0]).toMatch(/^### 🛑 slotproof: ERROR/);
    expect(err).toContain("cluster did not form");
  });

  it("escapes hostile strings: no HTML, no broken table rows, no links", () => {
    const r = makeHostileFixture();
    const md = renderMarkdown(r);
    expect(md).not.toMatch(/<(script|img|\/script)/i);
    expect(md).not.toMatch(/(?<!\\)\](?=\()/); // no link syntax survives: every "]" is escaped
    expect(md).not.toContain("\u001b");
    expect(md).not.toContain("\u0000");
    for (const line of md.split("\n").filter((l) => l.startsWith("| "))) {
      const n = cells(line).length;
      expect(n === 4 || n === 2, line).toBe(true);
    }
    const row = md.split("\n").find((l) => l.includes("| check | linearizable"))!;
    expect(cells(row)[2]).toContain("&lt;script&gt;window.\\_\\_pwned=1&lt;/script&gt;");
  });

  it("has one pacing line for an adaptive run: decisions, decreases, final limit, budget", () => {
    const r = makePacingFixture();
    const events = r.migrationEvents.filter((e) => e.kind === "controller");
    const count = (d: string) => events.filter((e) => e.decision === d).length;
    const last = events[events.length - 1].rateKeysPerSec as number;
    const rows = renderMarkdown(r).split("\n").filter((l) => l.startsWith("| Adaptive pacing |"));
    expect(rows).toHaveLength(1);
    expect(cells(rows[0])[1]).toBe(
      `${events.length - 1} decisions (${count("decrease")} decreases, ${count("increase")} increases, ${count("hold")} holds); limit 200 → ${last} keys/s; p99 budget 5 ms`);
    expect(count("decrease")).toBeGreaterThan(1);
  });

  it("has no pacing line without controller events", () => {
    for (const r of [makeRunFixture(), makeErrorFixture()]) expect(renderMarkdown(r)).not.toMatch(/pacing/i);
  });
});
