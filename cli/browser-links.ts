// Where a person looks at the stack in a browser: the dashboard (the root of the API's stage, the same
// page on AWS and on the local cloud) and, on the local cloud, its console of read-only pages.
import { dashboardUrl } from "./provision/api.ts";
import type { StackState } from "./state.ts";

export const CONSOLE_PATH = "/_s3size/console/";

export function localConsoleUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, "")}${CONSOLE_PATH}`;
}

/** The dashboard of the stack `state` records, served at `endpoint` (undefined: AWS); none before setup made the API. */
export function stackDashboardUrl(state: StackState, stage: string, endpoint?: string): string | undefined {
  if (!state.apiId) return undefined;
  return dashboardUrl({ apiId: state.apiId, region: state.region, stage, ...(endpoint ? { endpoint } : {}) });
}
