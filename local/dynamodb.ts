// Placeholder until the dynamodb emulation lands.

import { notImplementedService } from "./not-implemented.ts";
import type { CloudContext, Service } from "./types.ts";

export async function createDynamoDbService(_ctx: CloudContext): Promise<Service> {
  return notImplementedService("dynamodb");
}
