// How the CLI reads numbers and times from flags and the environment: strictly, so a typo is refused
// with one line instead of meaning something else (`Number("0x10")` is 16, `Number(" 5")` is 5).
import { UserError } from "./errors.ts";

/** Digits only: `0x10`, `1e3`, ` 5`, `5ms`, `5.0` and `-1` are all refused. */
export function parseWholeNumber(
  raw: string,
  what: string,
  range: { min: number; max: number },
  hint: string,
): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= range.min && value <= range.max)) {
    throw new UserError(
      `${what} must be a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}`,
      hint,
    );
  }
  return value;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--since` values: a duration back from now (90s, 10m, 2h, 1d), an ISO date, or epoch milliseconds. */
export function parseSince(value: string, now = Date.now()): number {
  const duration = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (duration) return now - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
  if (/^\d{10,}$/.test(value)) return Number(value);
  // An ISO date (2026-01-01, 2026-01-01T12:00:00Z); Date.parse alone would also take "1" or "May 5".
  const parsed = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (Number.isNaN(parsed)) {
    throw new UserError(
      `cannot read --since ${JSON.stringify(value)}`,
      "use a duration like 10m, 2h, 1d, an ISO date like 2026-01-31T12:00:00Z, or epoch milliseconds",
    );
  }
  return parsed;
}
