// What CloudWatch refuses, in its words: metric data, dimensions, units, periods and time ranges.
import { ServiceError, toDate, toList, toNumber } from "../protocol/operations.ts";
import type { Dimension } from "./metrics.ts";

export const invalidValue = (message: string) =>
  new ServiceError(400, "InvalidParameterValueException", message, "InvalidParameterValue");
export const invalidCombination = (message: string) =>
  new ServiceError(400, "InvalidParameterCombinationException", message, "InvalidParameterCombination");
export const missingParameter = (name: string) =>
  new ServiceError(
    400,
    "MissingRequiredParameterException",
    `The parameter ${name} is required.`,
    "MissingParameter",
  );
export const resourceNotFound = (message: string) => new ServiceError(404, "ResourceNotFound", message);
export const validationError = (message: string) =>
  new ServiceError(400, "ValidationException", message, "ValidationError");

export const UNITS = [
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None",
];

export function checkUnit(value: unknown, field: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  const unit = String(value);
  if (!UNITS.includes(unit)) {
    throw validationError(
      `1 validation error detected: Value '${unit}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${UNITS.join(", ")}]`,
    );
  }
  return unit;
}

export function required(value: unknown, name: string): string {
  if (value === undefined || value === null || value === "") throw missingParameter(name);
  return String(value);
}

export function checkDimensions(given: unknown, field: string): Dimension[] {
  const dimensions = toList<Record<string, unknown> | undefined>(given).map((dimension, index) => ({
    Name: required(dimension?.Name, `${field}.member.${index + 1}.Name`),
    Value: required(dimension?.Value, `${field}.member.${index + 1}.Value`),
  }));
  if (dimensions.length > 30)
    throw invalidValue(`The collection ${field} must not have a size greater than 30.`);
  const names = new Set(dimensions.map((dimension) => dimension.Name));
  if (names.size !== dimensions.length) {
    throw invalidCombination(`No Metric may specify the same dimension name twice.`);
  }
  return dimensions;
}

/** A Period: whole seconds, 1/5/10/30 or a multiple of 60. */
export function checkPeriod(value: unknown, field = "Period"): number {
  const period = toNumber(value);
  if (period === undefined) throw missingParameter(field);
  if (
    !Number.isInteger(period) ||
    period < 1 ||
    (period > 60 ? period % 60 !== 0 : ![1, 5, 10, 30, 60].includes(period))
  ) {
    throw invalidValue(`The parameter ${field} must be a multiple of 60.`);
  }
  return period;
}

/** StartTime and EndTime of a statistics query, in epoch ms. */
export function checkRange(input: Record<string, unknown>): { start: number; end: number } {
  const start = toDate(input.StartTime);
  const end = toDate(input.EndTime);
  if (!start) throw missingParameter("StartTime");
  if (!end) throw missingParameter("EndTime");
  if (start.getTime() >= end.getTime()) {
    throw invalidValue("The parameter StartTime must be less than the parameter EndTime.");
  }
  return { start: start.getTime(), end: end.getTime() };
}
