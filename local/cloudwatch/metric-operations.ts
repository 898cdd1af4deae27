// CloudWatch's metric operations: PutMetricData, GetMetricStatistics, GetMetricData (metric stats and
// arithmetic expressions) and ListMetrics, each with its IAM action (none has a resource type).
import { type Input, type Operation, paginate, toDate, toList, toNumber } from "../protocol/operations.ts";
import type { CloudContext, EdgeRequest } from "../types.ts";
import {
  checkDimensions,
  checkPeriod,
  checkRange,
  checkUnit,
  invalidCombination,
  invalidValue,
  missingParameter,
  required,
  validationError,
} from "./checks.ts";
import {
  ExpressionError,
  evaluateExpression,
  expressionIds,
  parseExpression,
  type TimeSeries,
} from "./expression.ts";
import { type MetricStore, STATISTICS, type StatisticSet, statistic } from "./metrics.ts";

const MAX_DATAPOINTS = 1440;
const TWO_WEEKS_MS = 14 * 24 * 3600_000;
const TWO_HOURS_MS = 2 * 3600_000;

/** Datapoints are kept a second apart, as on AWS, or finer when tests shorten the alarm minute. */
export const bucketMs = (ctx: CloudContext) =>
  Math.min(1000, Math.max(1, Math.floor(ctx.realism.alarmMinuteMs / 60)));

/** One MetricData entry's values as a statistic set; refuses the combinations CloudWatch refuses. */
function statisticSet(entry: Input, field: string): StatisticSet {
  const value = toNumber(entry.Value);
  const values = entry.Values === undefined ? undefined : toList(entry.Values).map(Number);
  const counts = entry.Counts === undefined ? undefined : toList(entry.Counts).map(Number);
  const stats = entry.StatisticValues as Record<string, unknown> | undefined;
  if (value !== undefined && values !== undefined) {
    throw invalidCombination(
      `The parameters ${field}.Value and ${field}.Values are mutually exclusive and you have specified both.`,
    );
  }
  if (value !== undefined && stats !== undefined) {
    throw invalidCombination(
      `The parameters ${field}.Value and ${field}.StatisticValues are mutually exclusive and you have specified both.`,
    );
  }
  if (values !== undefined) {
    if (counts !== undefined && counts.length !== values.length) {
      throw invalidValue(`The parameters ${field}.Values and ${field}.Counts must be of the same size.`);
    }
    const set = { count: 0, sum: 0, min: Infinity, max: -Infinity };
    values.forEach((item, index) => {
      const count = counts?.[index] ?? 1;
      set.count += count;
      set.sum += item * count;
      set.min = Math.min(set.min, item);
      set.max = Math.max(set.max, item);
    });
    return set;
  }
  if (stats !== undefined) {
    const [count, sum, min, max] = ["SampleCount", "Sum", "Minimum", "Maximum"].map((name) =>
      toNumber(required(stats[name], `${field}.StatisticValues.${name}`)),
    ) as [number, number, number, number];
    return { count, sum, min, max };
  }
  if (value === undefined)
    throw invalidCombination(
      `The parameters ${field}.Value, ${field}.Values or ${field}.StatisticValues must be specified.`,
    );
  if (!Number.isFinite(value))
    throw invalidValue(`The value ${entry.Value} for parameter ${field}.Value is invalid.`);
  return { count: 1, sum: value, min: value, max: value };
}

export function metricOperations(ctx: CloudContext, metrics: MetricStore) {
  const anywhere = (action: string) => () => ({ action: `cloudwatch:${action}`, resources: ["*"] });

  /** Statistic values per period start for one metric, as GetMetricStatistics and GetMetricData compute them. */
  const periodValues = (
    req: EdgeRequest,
    metric: Input,
    range: { start: number; end: number },
    period: number,
    unit?: string,
  ) => {
    const namespace = required(metric.Namespace, "Namespace");
    const name = required(metric.MetricName, "MetricName");
    const series = metrics.find(
      req.region,
      namespace,
      name,
      checkDimensions(metric.Dimensions, "Dimensions"),
    );
    return series ? metrics.periods(series, range.start, range.end, period * 1000, unit) : [];
  };
  const checkCount = (range: { start: number; end: number }, period: number) => {
    const requested = Math.ceil((range.end - range.start) / (period * 1000));
    if (requested > MAX_DATAPOINTS) {
      throw invalidCombination(
        `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
      );
    }
  };

  const operations: Record<string, Operation> = {
    PutMetricData: {
      iam: (input) => ({
        action: "cloudwatch:PutMetricData",
        resources: ["*"],
        context: { "cloudwatch:namespace": String(input.Namespace ?? "") },
      }),
      async run(input, req) {
        const namespace = required(input.Namespace, "Namespace");
        if (namespace.startsWith("AWS/"))
          throw invalidValue("The value AWS/ for parameter Namespace is invalid.");
        const data = toList<Input>(input.MetricData);
        if (data.length === 0) throw missingParameter("MetricData");
        if (data.length > 1000)
          throw invalidValue("The collection MetricData must not have a size greater than 1000.");
        const now = Date.now();
        const checked = data.map((entry, index) => {
          const field = `MetricData.member.${index + 1}`;
          const timestamp = toDate(entry.Timestamp)?.getTime() ?? now;
          if (timestamp < now - TWO_WEEKS_MS) {
            throw invalidValue(
              `The parameter ${field}.Timestamp must specify a time no more than two weeks in the past.`,
            );
          }
          if (timestamp > now + TWO_HOURS_MS) {
            throw invalidValue(
              `The parameter ${field}.Timestamp must specify a time no more than two hours in the future.`,
            );
          }
          return {
            name: required(entry.MetricName, `${field}.MetricName`),
            dimensions: checkDimensions(entry.Dimensions, `${field}.Dimensions`),
            timestamp,
            set: statisticSet(entry, field),
            unit: checkUnit(entry.Unit, `metricData.${index + 1}.member.unit`) ?? "None",
          };
        });
        await metrics.add(
          checked.map((datum) => ({ region: req.region, namespace, ...datum })),
          bucketMs(ctx),
        );
        return {};
      },
    },

    GetMetricStatistics: {
      iam: anywhere("GetMetricStatistics"),
      run(input, req) {
        const statistics = toList<string>(input.Statistics).map(String);
        const extended = toList<string>(input.ExtendedStatistics);
        if ((statistics.length === 0) === (extended.length === 0)) {
          throw invalidCombination("Must specify either Statistics or ExtendedStatistics, but not both.");
        }
        if (extended.length > 0)
          throw invalidValue("The local cloud does not compute ExtendedStatistics (percentiles).");
        statistics.forEach((name, index) => {
          if (!(STATISTICS as readonly string[]).includes(name)) {
            throw validationError(
              `1 validation error detected: Value '${name}' at 'statistics.${index + 1}.member' failed to satisfy constraint: Member must satisfy enum value set: [Maximum, SampleCount, Sum, Minimum, Average]`,
            );
          }
        });
        const range = checkRange(input);
        const period = checkPeriod(input.Period);
        checkCount(range, period);
        const unit = checkUnit(input.Unit, "unit");
        const name = required(input.MetricName, "MetricName");
        return {
          Label: name,
          Datapoints: periodValues(req, input, range, period, unit).map((point) => ({
            Timestamp: new Date(point.start),
            ...Object.fromEntries(statistics.map((stat) => [stat, statistic(point.set, stat)])),
            Unit: point.unit,
          })),
        };
      },
    },

    GetMetricData: {
      iam: anywhere("GetMetricData"),
      run(input, req) {
        const range = checkRange(input);
        const queries = toList<Input>(input.MetricDataQueries);
        if (queries.length === 0) throw missingParameter("MetricDataQueries");
        const computed = new Map<string, TimeSeries>();
        const results: Array<{ query: Input; series: TimeSeries; label: string }> = [];
        // Metric stats first, then expressions over them.
        const ordered = [...queries.filter((q) => !q.Expression), ...queries.filter((q) => q.Expression)];
        for (const query of ordered) {
          const id = required(query.Id, "MetricDataQueries.member.Id");
          if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
            throw validationError(`The value ${id} for parameter MetricDataQueries.member.Id is invalid.`);
          }
          let series: TimeSeries;
          let label: string;
          if (query.Expression !== undefined) {
            try {
              const tree = parseExpression(String(query.Expression));
              const missing = expressionIds(tree).find((name) => !computed.has(name));
              if (missing) throw new ExpressionError(`Unrecognized query id ${missing}`);
              const value = evaluateExpression(tree, computed);
              series = typeof value === "number" ? new Map() : value;
            } catch (error) {
              if (!(error instanceof ExpressionError)) throw error;
              throw validationError(`Error in expression '${id}': ${error.message}`);
            }
            label = String(query.Label ?? id);
          } else {
            const stat = query.MetricStat as Input | undefined;
            if (!stat)
              throw invalidValue(`The parameter MetricDataQueries.member.MetricStat is required for ${id}.`);
            const metric = (stat.Metric ?? {}) as Input;
            const period = checkPeriod(stat.Period, "MetricStat.Period");
            checkCount(range, period);
            const name = String(stat.Stat ?? "");
            if (!(STATISTICS as readonly string[]).includes(name)) {
              throw invalidValue(
                `The value ${name} for parameter MetricDataQueries.member.MetricStat.Stat is not supported by the local cloud.`,
              );
            }
            const points = periodValues(req, metric, range, period, checkUnit(stat.Unit, "unit"));
            series = new Map(points.map((point) => [point.start, statistic(point.set, name)]));
            label = String(query.Label ?? metric.MetricName ?? id);
          }
          computed.set(id, series);
          results.push({ query, series, label });
        }
        const ascending = input.ScanBy === "TimestampAscending";
        return {
          MetricDataResults: queries
            .map((query) => results.find((result) => result.query === query)!)
            .filter((result) => result.query.ReturnData !== false && result.query.ReturnData !== "false")
            .map((result) => {
              const times = [...result.series.keys()].sort((a, b) => (ascending ? a - b : b - a));
              return {
                Id: String(result.query.Id),
                Label: result.label,
                Timestamps: times.map((time) => new Date(time)),
                Values: times.map((time) => result.series.get(time)!),
                StatusCode: "Complete",
              };
            }),
          Messages: [],
        };
      },
    },

    ListMetrics: {
      iam: anywhere("ListMetrics"),
      run(input, req) {
        const filters = toList<Input>(input.Dimensions).map((filter) => ({
          name: String(filter.Name),
          value: filter.Value === undefined ? undefined : String(filter.Value),
        }));
        const since = Date.now() - (input.RecentlyActive === "PT3H" ? 3 * 3600_000 : TWO_WEEKS_MS);
        const listed = [...metrics.series.values()].filter(
          (series) =>
            series.region === req.region &&
            (input.Namespace === undefined || series.namespace === input.Namespace) &&
            (input.MetricName === undefined || series.name === input.MetricName) &&
            filters.every((filter) =>
              series.dimensions.some(
                (d) => d.Name === filter.name && (filter.value === undefined || d.Value === filter.value),
              ),
            ) &&
            (series.buckets.at(-1)?.t ?? 0) >= since,
        );
        const { items, next } = paginate(listed, input.NextToken, 500);
        return {
          Metrics: items.map((series) => ({
            Namespace: series.namespace,
            MetricName: series.name,
            Dimensions: series.dimensions,
          })),
          ...(next ? { NextToken: next } : {}),
        };
      },
    },
  };
  return operations;
}
