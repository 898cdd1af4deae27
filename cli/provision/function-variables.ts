// Sets some of a function's environment variables after the functions step, keeping the others: the
// driver learns the API's URL once the API exists; the dashboard learns the tracked buckets when
// `track`/`untrack` change them.
import { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import type { FunctionKey } from "../config.ts";
import { isConflict, isThrottle, withRetry } from "../retry.ts";
import { change, type ProvisionContext, read } from "./context.ts";
import { waitUntilReady } from "./functions.ts";

/** Gives the function `wanted` (merged into its variables) unless it has them already. */
export async function ensureVariables(
  ctx: ProvisionContext,
  key: FunctionKey,
  wanted: Record<string, string>,
  what: string,
): Promise<void> {
  const { lambda } = ctx.clients;
  const name = ctx.names.functions[key];
  const config = await read(() => lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name })));
  const variables = config.Environment?.Variables ?? {};
  if (Object.entries(wanted).every(([variable, value]) => variables[variable] === value)) return;
  await change(ctx, what, () =>
    withRetry(
      () =>
        lambda.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: name,
            Environment: { Variables: { ...variables, ...wanted } },
          }),
        ),
      { when: [isThrottle, isConflict], attempts: 12 },
    ),
  );
  if (!ctx.dryRun) await waitUntilReady(lambda, name);
}
