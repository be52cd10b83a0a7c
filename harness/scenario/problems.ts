// Problems found in a scenario, located in its source and turned into one UsageError.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import { UsageError } from "../errors.ts";

export type PathSegment = string | number;

export interface Problem {
  path: PathSegment[];
  message: string;
  /** the problem is the key itself (an unknown key), so point at the key, not its value */
  atKey?: boolean;
  /** a known position (YAML syntax errors), 1-based */
  pos?: { line: number; col: number };
}

/** What is needed to say where a problem is. */
export interface SourceInfo {
  fileName: string;
  doc?: Document;
  lineCounter?: LineCounter;
  /** --set overrides applied to the document: their path and the text as given */
  overrides?: ReadonlyArray<{ path: string[]; text: string }>;
}

export const MAX_REPORTED = 10;

export function pathText(path: readonly PathSegment[]): string {
  return path.length === 0 ? "(top level)" : path.join(".");
}

/** A short rendering of a value for messages: `"fast"`, `5`, `a list of 3`, `a mapping`. */
export function renderValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "nothing (null)";
  if (typeof value === "string") {
    const json = JSON.stringify(value);
    return json.length > 42 ? `${json.slice(0, 40)}…"` : json;
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "a mapping";
  return typeof value;
}

/** The value at `path` in plain data (undefined when absent). */
export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    if (!Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
    v = (v as Record<string, unknown>)[seg as string];
  }
  return v;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (typeof key === "string" || typeof key === "number") return String(key);
  return undefined;
}

/** The deepest node on `path` (the key node itself when `atKey` and the path resolves). */
function nodeOnPath(doc: Document, path: readonly PathSegment[], atKey: boolean): Node | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined = (node as Node | null) ?? undefined;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const seg = String(path[i]);
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === seg);
      if (!pair) break;
      if (last && atKey && pair.key && typeof pair.key === "object") return pair.key as Node;
      node = pair.value;
      // `key:` with nothing after it has no useful value range: point at the key
      const value = node as Node | null;
      found = value && value.range && !(isScalar(value) && value.value === null) ? value : ((pair.key as Node) ?? found);
    } else if (isSeq(node) && /^\d+$/.test(seg)) {
      node = node.items[Number(seg)];
      if (!node) break;
      found = node as Node;
    } else break;
  }
  return found;
}

function locate(problem: Problem, src: SourceInfo): { where: string; order: number } {
  if (problem.pos) return { where: `${src.fileName}:${problem.pos.line}:${problem.pos.col}`, order: problem.pos.line * 1e4 + problem.pos.col };
  const asText = problem.path.map(String);
  const isPrefix = (a: readonly string[], b: readonly string[]) => a.length <= b.length && a.every((s, i) => s === b[i]);
  const viaOverride = (o: { text: string }) => ({ where: `--set ${o.text}`, order: -1 });
  const overrides = src.overrides ?? [];
  // a --set whose path leads to (or into) this problem
  const into = overrides.filter((o) => isPrefix(o.path, asText)).sort((a, b) => b.path.length - a.path.length)[0];
  if (into) return viaOverride(into);
  if (src.doc && src.lineCounter) {
    const node = nodeOnPath(src.doc, problem.path, problem.atKey ?? false);
    if (node?.range) {
      const { line, col } = src.lineCounter.linePos(node.range[0]);
      return { where: `${src.fileName}:${line}:${col}`, order: line * 1e4 + col };
    }
  }
  // a node the file does not have, created by a --set deeper down (an unknown key it introduced)
  const created = overrides.find((o) => isPrefix(asText, o.path));
  if (created) return viaOverride(created);
  return { where: src.fileName, order: 0 };
}

/** One line per problem, in document order, at most MAX_REPORTED. */
export function formatProblems(problems: readonly Problem[], src: SourceInfo): string {
  const lines = problems
    .map((p) => {
      const { where, order } = locate(p, src);
      const subject = p.pos || p.path.length === 0 ? "" : `${pathText(p.path)}: `;
      return { order, text: `${where}: ${subject}${p.message}` };
    })
    .sort((a, b) => a.order - b.order)
    .map((l) => l.text);
  const unique = [...new Set(lines)];
  const shown = unique.slice(0, MAX_REPORTED);
  if (unique.length > MAX_REPORTED) shown.push(`… and ${unique.length - MAX_REPORTED} more`);
  if (unique.length === 1) return shown[0];
  return [`${src.fileName}: ${unique.length} problems in the scenario:`, ...shown.map((l) => `  ${l}`)].join("\n");
}

export function problemsError(problems: readonly Problem[], src: SourceInfo): UsageError {
  return new UsageError(formatProblems(problems, src));
}
