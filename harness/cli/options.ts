// Parsing of command-line values with messages that name the option, the value and what is allowed.
import { UsageError } from "../errors.ts";

export function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max)
      throw new UsageError(`${name}: '${value}' is not allowed: use a whole number from ${min} to ${max}`);
    return n;
  };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)$/;

/** host:port, loopback only (slotproof never sends traffic elsewhere). */
export function parseAddr(name: string, value: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(value.trim());
  if (!m) throw new UsageError(`${name}: '${value}' is not an address: use host:port, e.g. 127.0.0.1:7000`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`${name}: port ${port} in '${value}' is not allowed: use 1 to 65535`);
  const host = m[1] === "localhost" ? "127.0.0.1" : m[1].replace(/^\[|\]$/g, "");
  if (!LOOPBACK.test(host)) throw new UsageError(`${name}: '${value}' is not allowed: slotproof only talks to loopback addresses (127.x.x.x, ::1)`);
  return { host, port };
}
