// plotting Lambda: GET /plot (or a direct invocation) → Query-only reads of the history → chart →
// the `plot` object in the plot bucket → JSON with a presigned URL, or the PNG itself.
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { type AwsClients, awsClients } from "./common/clients.ts";
import { FUNCTION_ENV, integerEnv, requireEnv } from "./common/function-env.ts";
import {
  ChartCache,
  type ChartCacheLimits,
  DEFAULT_CHART_CACHE_LIMITS,
  type RenderChart,
} from "./plotting/chart-cache.ts";
import { chartInputFor } from "./plotting/chart-input.ts";
import { type DirectPlotRequest, type ProxyEvent, parsePlotRequest } from "./plotting/params.ts";
import { readPlotData } from "./plotting/reads.ts";
import {
  errorResponse,
  jsonResponse,
  type ProxyResponse,
  plotBody,
  pngResponse,
} from "./plotting/response.ts";

export const PLOT_KEY = "plot";
export const DEFAULT_PLOT_URL_EXPIRES_SECONDS = 300;

export type { RenderChart } from "./plotting/chart-cache.ts";

export interface PlottingDeps {
  clients: () => AwsClients;
  env: NodeJS.ProcessEnv;
  now: () => number;
  /** Draws a chart; the handler keeps the last few in a ChartCache in front of it. */
  render: RenderChart;
  chartCache: ChartCacheLimits;
  log: (line: string) => void;
}

// Loaded on first use so the native canvas binding is only opened when a chart is drawn.
const renderWithCanvas: RenderChart = async (input) =>
  (await import("./chart/render-size-chart.ts")).renderSizeChart(input);

export function createPlottingHandler(overrides: Partial<PlottingDeps> = {}) {
  const deps: PlottingDeps = {
    clients: awsClients,
    env: process.env,
    now: Date.now,
    render: renderWithCanvas,
    chartCache: DEFAULT_CHART_CACHE_LIMITS,
    log: (line) => console.log(line),
    ...overrides,
  };
  // One per handler, so per warm execution environment: it lives as long as the process.
  const charts = new ChartCache(deps.render, deps.chartCache);
  return async (event: ProxyEvent | DirectPlotRequest | null): Promise<ProxyResponse> => {
    try {
      return await plot(event ?? {}, deps, charts);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      deps.log(JSON.stringify({ level: "error", message: "plot failed", error: message }));
      return errorResponse(500, "InternalError", `could not draw the plot: ${message}`);
    }
  };
}

async function plot(
  event: ProxyEvent | DirectPlotRequest,
  deps: PlottingDeps,
  charts: ChartCache,
): Promise<ProxyResponse> {
  const parsed = parsePlotRequest(event, deps.env[FUNCTION_ENV.dataBucket] ?? "");
  if (!parsed.ok) {
    deps.log(JSON.stringify({ level: "warn", message: "rejected request", reason: parsed.message }));
    return errorResponse(
      parsed.status,
      parsed.status === 405 ? "MethodNotAllowed" : "InvalidParameter",
      parsed.message,
    );
  }
  const params = parsed.params;
  const table = requireEnv(FUNCTION_ENV.table, deps.env);
  const plotBucket = requireEnv(FUNCTION_ENV.plotBucket, deps.env);
  const expiresIn = integerEnv(
    FUNCTION_ENV.plotUrlExpiresSeconds,
    DEFAULT_PLOT_URL_EXPIRES_SECONDS,
    deps.env,
  );
  const { s3, dynamodb } = deps.clients();

  const data = await readPlotData(dynamodb, table, params, deps.now());
  const { png, drawn } = await charts.png(chartInputFor(params, data));
  await s3.send(
    new PutObjectCommand({ Bucket: plotBucket, Key: PLOT_KEY, Body: png, ContentType: "image/png" }),
  );
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: plotBucket, Key: PLOT_KEY }), {
    expiresIn,
  });
  const body = plotBody(params, data, { bucket: plotBucket, key: PLOT_KEY, url });
  deps.log(
    JSON.stringify({
      level: "info",
      message: "plotted",
      buckets: params.buckets,
      seconds: params.seconds,
      format: params.format,
      points: data.series.reduce((sum, s) => sum + s.points.length, 0),
      window: body.window,
      max: body.max,
      pngBytes: png.byteLength,
      drawn,
    }),
  );
  return params.format === "png" ? pngResponse(png) : jsonResponse(200, body);
}

export const handler = createPlottingHandler();
