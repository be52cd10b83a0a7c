// The CI templates are shell inside YAML: parse them, then run their shell steps with a stub
// `npx slotproof` to prove the exit code, the job summary and the artifact paths line up.
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { makeRunFixture } from "../../results/fixtures/run-fixture.ts";
import { renderMarkdown } from "../../results/outputs/markdown.ts";

const run = promisify(execFile);
const here = new URL(".", import.meta.url).pathname;

interface Step { name?: string; id?: string; if?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> }

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "slotproof-ci-"));
  await mkdir(join(work, "bin"));
  // `npx slotproof run SCENARIO --out DIR ...`: records its argv, writes summary.md, exits $STUB_EXIT
  await writeFile(join(work, "bin", "npx"), [
    "#!/usr/bin/env bash",
    'printf "%s\\n" "$@" > "$WORK/argv"',
    'out=""; prev=""; for a in "$@"; do [ "$prev" = "--out" ] && out="$a"; prev="$a"; done',
    'if [ -n "$out" ] && [ "${STUB_NO_SUMMARY:-}" != 1 ]; then mkdir -p "$out"; cp "$WORK/summary.md" "$out/summary.md"; fi',
    'exit "${STUB_EXIT:-0}"',
  ].join("\n"));
  await chmod(join(work, "bin", "npx"), 0o755);
  await writeFile(join(work, "summary.md"), renderMarkdown(makeRunFixture()));
});
afterAll(async () => { await rm(work, { recursive: true, force: true }); });

async function sh(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run("bash", ["-e", "-c", script], { cwd: work, env: { ...process.env, PATH: `${join(work, "bin")}:${process.env.PATH}`, WORK: work, ...env } });
    return { code: 0, stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string };
    return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "" };
  }
}

describe("github-actions.yml", async () => {
  const doc = parse(await readFile(join(here, "github-actions.yml"), "utf8"));
  const job = doc.jobs["migration-gate"];
  const steps: Step[] = job.steps;
  const step = (name: string) => steps.find((s) => s.name === name)!;

  it("runs the scenario with the command strategy, always publishes, then fails on the exit code", () => {
    expect(step("Run scenario against the migration tool").run).toMatch(/npx slotproof run "\$SCENARIO" --out "\$RUN_DIR"/);
    const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload.if).toBe("always()");
    expect(String(upload.with?.path)).toContain("${{ env.RUN_DIR }}/report.html");
    expect(step("Job summary").if).toBe("always()");
    const last = steps.at(-1)!;
    expect(last.name).toBe("Fail on the verdict");
    expect(last.if).toBe("always()");
    expect(last.env?.EXIT_CODE).toBe("${{ steps.run.outputs.exit_code }}");
  });

  for (const code of [0, 1, 3, 4]) {
    it(`passes exit code ${code} through and appends summary.md to the job summary`, async () => {
      const outputs = join(work, `gh-output-${code}`);
      const summary = join(work, `gh-summary-${code}`);
      await writeFile(outputs, "");
      await writeFile(summary, "");
      const env = { ...job.env, GITHUB_OUTPUT: outputs, GITHUB_STEP_SUMMARY: summary, STUB_EXIT: String(code), SLOTPROOF_CACHE: join(work, "cache") };
      const r = await sh(step("Run scenario against the migration tool").run!, env);
      expect(r.code).toBe(0); // the run step itself never fails: publishing must still happen
      const argv = (await readFile(join(work, "argv"), "utf8")).trim().split("\n");
      expect(argv).toEqual(["slotproof", "run", "scenarios/smoke.yaml", "--out", "runs/ci", "--set", "migration.strategy=command", "--set", "migration.command=./scripts/migrate-slots.sh"]);
      const exitCode = /exit_code=(\d+)/.exec(await readFile(outputs, "utf8"))![1];
      expect(exitCode).toBe(String(code));
      expect((await sh(step("Job summary").run!, env)).code).toBe(0);
      expect(await readFile(summary, "utf8")).toContain("| Result | Kind | Name | Detail |");
      const fin = await sh(step("Fail on the verdict").run!, { ...env, EXIT_CODE: exitCode });
      expect(fin.code).toBe(code);
    });
  }

  it("says so in the job summary when the run wrote none, and fails as a harness error without an exit code", async () => {
    const summary = join(work, "gh-summary-none");
    await writeFile(summary, "");
    await rm(join(work, "runs"), { recursive: true, force: true });
    expect((await sh(step("Job summary").run!, { ...job.env, GITHUB_STEP_SUMMARY: summary })).code).toBe(0);
    expect(await readFile(summary, "utf8")).toMatch(/wrote no summary\.md/);
    expect((await sh(step("Fail on the verdict").run!, { EXIT_CODE: "" })).code).toBe(4);
  });
});

describe("gitlab-ci.yml", async () => {
  const doc = parse(await readFile(join(here, "gitlab-ci.yml"), "utf8"));
  const job = doc.slotproof;

  it("keeps report.html and feeds junit.xml to the test report, even when the job fails", () => {
    expect(job.artifacts.when).toBe("always");
    expect(job.artifacts.paths).toContain("runs/ci/report.html");
    expect(job.artifacts.reports.junit).toBe("runs/ci/junit.xml");
  });

  for (const code of [0, 1, 2]) {
    it(`exits with slotproof's code ${code} and prints the summary`, async () => {
      const script = (job.script as string[]).at(-1)!;
      const r = await sh(script, { ...job.variables, STUB_EXIT: String(code), SLOTPROOF_CACHE: join(work, "cache") });
      expect(r.code).toBe(code);
      expect(r.stdout).toContain("slotproof: FAIL");
      const argv = (await readFile(join(work, "argv"), "utf8")).trim().split("\n");
      expect(argv).toContain("migration.command=./scripts/migrate-slots.sh");
    });
  }
});
