// "Did you mean …?" for typos in names and keys.
import { distance } from "fastest-levenshtein";

/**
 * The option closest to `input`, when it is close enough to be a plausible typo:
 * same letters in another case, or an edit distance of at most a third of the
 * word (at least 1, at most 3).
 */
export function closestName(input: string, options: readonly string[]): string | undefined {
  if (input.length === 0 || options.length === 0) return undefined;
  const lower = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const option of options) {
    if (option === input) continue;
    const d = option.toLowerCase() === lower ? 0 : distance(lower, option.toLowerCase());
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  const limit = Math.min(3, Math.max(1, Math.floor(input.length / 3)));
  return bestDistance <= limit ? best : undefined;
}

/** " — did you mean `x`?" or "" */
export function didYouMean(input: string, options: readonly string[]): string {
  const match = closestName(input, options);
  return match === undefined ? "" : ` — did you mean "${match}"?`;
}

/** `a, b, c` (or the first few and a count) for "allowed: …" lists */
export function listNames(options: readonly string[], max = 12): string {
  if (options.length <= max) return options.join(", ");
  return `${options.slice(0, max).join(", ")} … (${options.length - max} more)`;
}
