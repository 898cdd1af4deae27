// Names of the environment variables setup gives each function; the handlers read only these.
export const FUNCTION_ENV = {
  table: "HISTORY_TABLE",
  dataBucket: "DATA_BUCKET",
  plotBucket: "PLOT_BUCKET",
  /** Full invoke URL of GET /plot, e.g. https://<id>.execute-api.<region>.amazonaws.com/demo/plot. */
  plotApiUrl: "PLOT_API_URL",
  driverSleepMs: "DRIVER_SLEEP_MS",
  driverWaitMs: "DRIVER_WAIT_MS",
  plotUrlExpiresSeconds: "PLOT_URL_EXPIRES_SECONDS",
} as const;

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** A non-negative integer setting with a default; a malformed value is a deployment mistake, so it throws. */
export function integerEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`environment variable ${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}
