// Placeholder until the lambda emulation lands.

import { notImplementedService } from "../not-implemented.ts";
import type { CloudContext, Service } from "../types.ts";

export async function createLambdaService(_ctx: CloudContext): Promise<Service> {
  return notImplementedService("lambda");
}
