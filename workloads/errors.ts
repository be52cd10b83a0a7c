// Honest error classification: did the server certainly NOT execute the command
// (`fail`), or may it have (`info`)? See DESIGN "History and time".
import type { ErrorClass } from "./metrics-types.ts";
import { RespError } from "./resp.ts";

/** A client-side failure: the reply never came (timeout) or the connection broke. */
export class ClientError extends Error {
  override readonly name = "ClientError";
  constructor(
    readonly kind: "timeout" | "connection",
    /** true when the command had been handed to the socket: it may have executed */
    readonly sent: boolean,
    message: string,
  ) {
    super(message);
  }
}

const SERVER_CLASSES: Record<string, ErrorClass> = {
  MOVED: "MOVED",
  ASK: "ASK",
  TRYAGAIN: "TRYAGAIN",
  CLUSTERDOWN: "CLUSTERDOWN",
  CROSSSLOT: "CROSSSLOT",
};

export interface Classified {
  cls: ErrorClass;
  /** "no" = certainly not executed (history `fail`); "maybe" = history `info` */
  executed: "no" | "maybe";
}

export function classifyError(err: unknown): Classified {
  if (err instanceof RespError) {
    // An error reply is a definite answer: the commands we send (single-key writes,
    // reads, a read-then-set script) do nothing when they answer with an error.
    return { cls: SERVER_CLASSES[err.code] ?? "other", executed: "no" };
  }
  if (err instanceof ClientError) {
    if (err.kind === "timeout") return { cls: "timeout", executed: "maybe" };
    return { cls: "connection", executed: err.sent ? "maybe" : "no" };
  }
  return { cls: "other", executed: "maybe" };
}
