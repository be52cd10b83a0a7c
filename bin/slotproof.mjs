#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx so that one tree serves the CLI,
// the tests and the worker threads alike (no separate build step to forget).
import { register } from "tsx/esm/api";
register();
await import("../harness/cli.ts");
