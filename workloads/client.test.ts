import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Fifo } from "./client.ts";

describe("client FIFO of in-flight commands", () => {
  it("behaves as an array queue under any mix of push, shift and drain (wrapping and growing)", () => {
    // mostly pushes and shifts: the ring wraps, grows past 64 and 128, and drains now and then
    const step = fc.oneof(
      { arbitrary: fc.nat(1000).map((v) => ({ op: "push" as const, v })), weight: 300 },
      { arbitrary: fc.constant({ op: "shift" as const }), weight: 200 },
      { arbitrary: fc.constant({ op: "drain" as const }), weight: 1 },
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1000, maxLength: 3000 }), (steps) => {
        const q = new Fifo<number>();
        const model: number[] = [];
        for (const s of steps) {
          if (s.op === "push") {
            q.push(s.v);
            model.push(s.v);
          } else if (s.op === "shift") expect(q.shift()).toBe(model.shift());
          else expect(q.drain()).toEqual(model.splice(0));
          expect(q.length).toBe(model.length);
          expect(q.peek()).toBe(model[0]);
          if (model.length > 0) expect(q.at(model.length - 1)).toBe(model[model.length - 1]);
        }
      }),
      { numRuns: 20 },
    );
  });
});
