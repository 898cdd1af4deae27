// Placeholder until the logs emulation lands.

import { notImplementedService } from "./not-implemented.ts";
import type { CloudContext, Service } from "./types.ts";

export async function createLogsService(_ctx: CloudContext): Promise<Service> {
  return notImplementedService("logs");
}
