// Placeholder until the sts emulation lands.

import { notImplementedService } from "./not-implemented.ts";
import type { CloudContext, Service } from "./types.ts";

export async function createStsService(_ctx: CloudContext): Promise<Service> {
  return notImplementedService("sts");
}
