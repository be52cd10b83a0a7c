import { describe, expect, it } from "vitest";
import { HOSTILE, makeErrorFixture, makeHostileFixture, makeRunFixture } from "../fixtures/run-fixture.ts";
import { renderJunit } from "./junit.ts";
import { findAll, parseXml } from "./testing/xml.ts";

describe("junit.xml", () => {
  it("is well-formed XML with one testsuite and one testcase per check and per gate", () => {
    const r = makeRunFixture();
    const root = parseXml(renderJunit(r));
    const suites = findAll(root, "testsuite");
    expect(suites).toHaveLength(1);
    const cases = findAll(root, "testcase");
    const names = cases.map((c) => `${c.attrs.classname}/${c.attrs.name}`);
    expect(names).toEqual([
      ...Object.keys(r.checks).map((n) => `slotproof.checks/${n}`),
      ...r.gates.map((g) => `slotproof.gates/${g.expr}`),
    ]);
    expect(suites[0].attrs.tests).toBe(String(cases.length));
  });

  it("marks false as failure, unknown as error, true as passed, and counts them", () => {
    const root = parseXml(renderJunit(makeRunFixture()));
    const byName = new Map(findAll(root, "testcase").map((c) => [c.attrs.name, c]));
    const lin = byName.get("linearizable")!;
    expect(lin.children.map((c) => c.name)).toEqual(["failure"]);
    // what and where: the key, the client and op that cannot be placed, the time
    expect(lin.children[0].text).toMatch(/key user:00042 \(register\)/);
    expect(lin.children[0].text).toMatch(/failing op: client 7 r→v17 at 29\.\d{3} s/);
    expect(lin.children[0].text).toMatch(/report\.html/);
    expect(byName.get("completeness")!.children[0].text).toMatch(/lost: user:01337 expected "v4" got \(absent\) on primary:1/);
    expect(byName.get("topology")!.children).toEqual([]);
    expect(byName.get("p99_ratio <= 5")!.children[0].attrs.message).toBe("worst p99 ratio 1053 > 5");
    const unknown = byName.get("redirects.server_match")!.children[0];
    expect(unknown.name).toBe("error");
    expect(unknown.attrs.type).toBe("unknown");
    const suite = findAll(root, "testsuite")[0];
    expect(suite.attrs.failures).toBe("5");
    expect(suite.attrs.errors).toBe("1");
  });

  it("has no failures for a passing run", () => {
    const root = parseXml(renderJunit(makeRunFixture({ outcome: "pass" })));
    const suite = findAll(root, "testsuite")[0];
    expect(suite.attrs.failures).toBe("0");
    expect(findAll(root, "failure")).toHaveLength(0);
  });

  it("reports a harness error as an errored run testcase", () => {
    const root = parseXml(renderJunit(makeErrorFixture()));
    const cases = findAll(root, "testcase");
    expect(cases).toHaveLength(1);
    expect(cases[0].attrs.name).toBe("run");
    expect(cases[0].children[0].name).toBe("error");
    expect(cases[0].children[0].attrs.message).toMatch(/cluster did not form/);
  });

  it("escapes hostile names and messages so they parse back to themselves", () => {
    const r = makeHostileFixture();
    const xml = renderJunit(r);
    expect(xml).not.toContain("<script");
    expect(xml).not.toContain("<img");
    expect(xml).not.toContain("\u0000");
    const root = parseXml(xml);
    const names = findAll(root, "testcase").map((c) => c.attrs.name);
    const expected = [...Object.keys(r.checks), ...r.gates.map((g) => g.expr)].map((n) => n.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, "\uFFFD")); // XML 1.0 cannot carry these
    expect(names).toEqual(expected);
    expect(names.some((n) => n.includes(HOSTILE.script) && n.includes(HOSTILE.xml))).toBe(true);
    // attribute newlines survive as references, not as normalised spaces
    const suite = findAll(root, "testsuite")[0];
    expect(suite.attrs.name).toContain(HOSTILE.close);
  });
});
