// `--set path=value` overrides, applied to the raw YAML document before validation.
import { Document, isAlias, isMap, isScalar, isSeq, parseDocument, type Node } from "yaml";
import { UsageError } from "../errors.ts";
import { MAX_REPORTED, renderValue } from "./problems.ts";

export interface Override {
  /** path segments, e.g. ["phases", "1", "timeout"] */
  path: string[];
  /** the value parsed as a YAML scalar (or flow collection); null deletes the key */
  value: unknown;
  /** the override as given, for messages */
  text: string;
}

/** Parses `a.b.c=value`; the value is a YAML scalar (`5000`, `false`, `2m`) or a flow `[…]`/`{…}`. */
export function parseOverride(text: string): Override {
  const eq = text.indexOf("=");
  if (eq < 0) throw new UsageError(`--set ${text}: expected path=value, e.g. --set workload.rate=5000`);
  const pathText = text.slice(0, eq).trim();
  const path = pathText.split(".").map((s) => s.trim());
  if (pathText === "" || path.some((s) => s === "")) {
    throw new UsageError(`--set ${text}: "${pathText}" is not a path; write dotted keys like workload.rate or phases.1.timeout`);
  }
  return { path, value: parseValue(text.slice(eq + 1), text), text };
}

function parseValue(raw: string, text: string): unknown {
  const trimmed = raw.trim();
  const flow = trimmed.startsWith("[") || trimmed.startsWith("{");
  const doc = parseDocument(raw);
  if (doc.errors.length > 0 || doc.warnings.length > 0) {
    if (flow) throw new UsageError(`--set ${text}: the value is not valid YAML (${doc.errors[0]?.message.split("\n")[0] ?? "bad value"})`);
    return trimmed;
  }
  // Only scalars and flow collections are parsed; "echo a: b" stays a string.
  if (doc.contents === null || isScalar(doc.contents) || flow) return doc.toJS() ?? null;
  return trimmed;
}

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

const isEmpty = (node: unknown) => node === null || node === undefined || (isScalar(node) && node.value === null);

/** Applies one override to the document; returns an error sentence instead of throwing. */
function applyOne(doc: Document, o: Override): string | undefined {
  if (isEmpty(doc.contents)) doc.contents = doc.createNode({}) as Document["contents"];
  let node: unknown = doc.contents;
  for (let i = 0; i < o.path.length; i++) {
    const seg = o.path[i];
    const last = i === o.path.length - 1;
    const here = o.path.slice(0, i).join(".") || "the scenario";
    const next = o.path.slice(0, i + 1).join(".");
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const index = node.items.findIndex((p) => keyText(p.key) === seg);
      const pair = index >= 0 ? node.items[index] : undefined;
      if (last) {
        if (o.value === null) {
          if (pair) node.items.splice(index, 1);
        } else if (pair) pair.value = doc.createNode(o.value);
        else node.items.push(doc.createPair(seg, o.value));
        return undefined;
      }
      if (pair && !isEmpty(pair.value)) {
        node = pair.value;
        continue;
      }
      // Missing: create a mapping, unless the path indexes into a list the file does not have.
      if (/^\d+$/.test(o.path[i + 1])) {
        return `${next} is not written in the scenario (its default applies), so there is no ${next}.${o.path[i + 1]} to change; write ${next} in the file`;
      }
      const child = doc.createNode({});
      if (pair) pair.value = child;
      else node.items.push(doc.createPair(seg, child));
      node = child;
    } else if (isSeq(node)) {
      const n = node.items.length;
      if (!/^\d+$/.test(seg)) return `${here} is a list; expected an index 0..${n - 1} after it, got "${seg}"`;
      const index = Number(seg);
      if (index > n || (index === n && !last)) return `${here} has ${n} entries (0..${n - 1}); there is no ${next}`;
      if (last) {
        if (o.value === null) node.items.splice(index, 1);
        else if (index === n) node.items.push(doc.createNode(o.value));
        else node.items[index] = doc.createNode(o.value);
        return undefined;
      }
      node = node.items[index];
    } else {
      const value = isScalar(node) ? node.value : (node as Node | undefined)?.toJSON?.();
      return `${here} is ${renderValue(value)}, not a mapping or a list, so there is no ${next}`;
    }
  }
  return undefined;
}

/**
 * Applies `--set path=value` overrides, in order. A YAML Document is changed in
 * place and returned; plain data is copied and the changed copy returned. A null
 * value (`path=` or `path=~`) removes the key so its default applies again.
 * Throws one UsageError naming every bad override.
 */
export function applyOverrides(doc: Document, sets: readonly string[]): Document;
export function applyOverrides(doc: unknown, sets: readonly string[]): unknown;
export function applyOverrides(doc: unknown, sets: readonly string[]): unknown {
  const isDoc = doc instanceof Document;
  const target = isDoc ? doc : new Document(doc ?? {});
  const errors: string[] = [];
  for (const text of sets) {
    try {
      const error = applyOne(target, parseOverride(text));
      if (error) errors.push(`--set ${text}: ${error}`);
    } catch (e) {
      if (e instanceof UsageError) errors.push(e.message);
      else throw e;
    }
  }
  if (errors.length === 1) throw new UsageError(errors[0]);
  if (errors.length > 1) {
    const shown = errors.slice(0, MAX_REPORTED).map((e) => `  ${e}`);
    if (errors.length > MAX_REPORTED) shown.push(`  … and ${errors.length - MAX_REPORTED} more`);
    throw new UsageError([`${errors.length} bad --set overrides:`, ...shown].join("\n"));
  }
  return isDoc ? target : target.toJS();
}
