// Placeholder until the iam emulation lands.

import { notImplementedService } from "./not-implemented.ts";
import type { CloudContext, Service } from "./types.ts";

export async function createIamService(_ctx: CloudContext): Promise<Service> {
  return notImplementedService("iam");
}
