import { defineConfig } from "vitest/config";

// Tests against real servers start processes on loopback; a 2-core machine cannot
// run many clusters at once, so files run in a small pool and get generous timeouts.
export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".cache/**", "runs/**"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: 2,
    globalSetup: ["./test/global-setup.ts"],
    reporters: ["default", "./test/plain-summary-reporter.ts"],
  },
});
