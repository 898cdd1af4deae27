// Placeholder until the s3 emulation lands.

import { notImplementedService } from "../not-implemented.ts";
import type { CloudContext, Service } from "../types.ts";

export async function createS3Service(_ctx: CloudContext): Promise<Service> {
  return notImplementedService("s3");
}
