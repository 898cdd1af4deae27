// Schedule expressions as EventBridge accepts them — `rate(5 minutes)` and six-field UTC
// `cron(min hour day-of-month month day-of-week year)` — and when a schedule next fires.

export type Schedule =
  | { kind: "rate"; minutes: number }
  | { kind: "cron"; matches: (date: Date) => boolean; minutes: number[]; hours: number[] };

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 1440 };
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** The parsed schedule, or undefined for an expression EventBridge would refuse. */
export function parseSchedule(expression: string): Schedule | undefined {
  const rate = expression.match(RATE);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    // AWS wants the singular unit for 1 and the plural otherwise.
    if (value < 1 || (value === 1) !== !unit.endsWith("s")) return undefined;
    return { kind: "rate", minutes: value * UNIT_MINUTES[unit.replace(/s$/, "")]! };
  }
  const cron = expression.match(/^cron\((.+)\)$/);
  if (!cron) return undefined;
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  // Exactly one of day-of-month and day-of-week is "?".
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) return undefined;
  const minutes = values(minute, 0, 59);
  const hours = values(hour, 0, 23);
  const months = values(month, 1, 12, MONTHS, 1);
  const years = values(year, 1970, 2199);
  const days = dayOfMonth === "?" ? undefined : dayOfMonthMatcher(dayOfMonth);
  const weekdays = dayOfWeek === "?" ? undefined : dayOfWeekMatcher(dayOfWeek);
  if (!minutes || !hours || !months || !years || days === null || weekdays === null) return undefined;
  return {
    kind: "cron",
    minutes,
    hours,
    matches: (date) =>
      years.includes(date.getUTCFullYear()) &&
      months.includes(date.getUTCMonth() + 1) &&
      (days ? days(date) : weekdays!(date)) &&
      hours.includes(date.getUTCHours()) &&
      minutes.includes(date.getUTCMinutes()),
  };
}

/** A cron field's values: `*`, lists, ranges, `/` steps and names; undefined when malformed. */
function values(
  field: string,
  low: number,
  high: number,
  names: string[] = [],
  base = 0,
): number[] | undefined {
  const result = new Set<number>();
  const number = (text: string) => {
    const named = names.indexOf(text.toUpperCase());
    const value = named >= 0 ? named + base : /^\d+$/.test(text) ? Number(text) : Number.NaN;
    return value >= low && value <= high ? value : undefined;
  };
  for (const part of field.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return undefined;
    let from: number | undefined;
    let to: number | undefined;
    if (range === "*") [from, to] = [low, high];
    else if (range!.includes("-"))
      [from, to] = range!.split("-").map(number) as [number | undefined, number | undefined];
    else [from, to] = [number(range!), stepText === undefined ? number(range!) : high];
    if (from === undefined || to === undefined || from > to) return undefined;
    for (let value = from; value <= to; value += step) result.add(value);
  }
  return [...result].sort((a, b) => a - b);
}

const lastDayOfMonth = (date: Date) =>
  new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();

/** Day of month: values, or `L` (the last day); null when malformed. */
function dayOfMonthMatcher(field: string): ((date: Date) => boolean) | null {
  if (field === "L") return (date) => date.getUTCDate() === lastDayOfMonth(date);
  const days = values(field, 1, 31);
  return days ? (date) => days.includes(date.getUTCDate()) : null;
}

/** Day of week (1 = SUN): values, `6L` (the last Friday), `6#3` (the third Friday); null when malformed. */
function dayOfWeekMatcher(field: string): ((date: Date) => boolean) | null {
  const weekday = (date: Date) => date.getUTCDay() + 1;
  const last = field.match(/^(\w+)L$/);
  if (last) {
    const [day] = values(last[1]!, 1, 7, DAYS, 1) ?? [];
    return day === undefined
      ? null
      : (date) => weekday(date) === day && date.getUTCDate() + 7 > lastDayOfMonth(date);
  }
  const nth = field.match(/^(\w+)#([1-5])$/);
  if (nth) {
    const [day] = values(nth[1]!, 1, 7, DAYS, 1) ?? [];
    const n = Number(nth[2]);
    return day === undefined
      ? null
      : (date) => weekday(date) === day && Math.ceil(date.getUTCDate() / 7) === n;
  }
  const days = values(field, 1, 7, DAYS, 1);
  return days ? (date) => days.includes(weekday(date)) : null;
}

/**
 * When a schedule fires next after `after` (epoch ms). A rate counts from `since` (the rule's creation)
 * in minutes of `minuteMs` (60 000 on AWS; tests shorten it); cron runs on UTC wall-clock minutes.
 */
export function nextFire(
  schedule: Schedule,
  after: number,
  since: number,
  minuteMs = 60_000,
): number | undefined {
  if (schedule.kind === "rate") {
    const period = schedule.minutes * minuteMs;
    return since + (Math.floor((after - since) / period) + 1) * period;
  }
  const start = new Date(Math.floor(after / 60_000) * 60_000 + 60_000);
  // Day by day for up to five years; within a matching day, only the listed hours and minutes.
  const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  for (let index = 0; index < 5 * 366; index += 1) {
    for (const hour of schedule.hours) {
      for (const minute of schedule.minutes) {
        const candidate = new Date(day.getTime() + hour * 3600_000 + minute * 60_000);
        if (candidate.getTime() >= start.getTime() && schedule.matches(candidate)) return candidate.getTime();
      }
    }
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return undefined;
}
