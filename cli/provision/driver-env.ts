// The last step: the driver learns the plotting API's invoke URL, known only once the API exists.
import { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { FUNCTION_ENV } from "../../handlers/common/function-env.ts";
import { UserError } from "../errors.ts";
import { isConflict, isThrottle, withRetry } from "../retry.ts";
import { change, type ProvisionContext, read } from "./context.ts";
import { getFunction, waitUntilReady } from "./functions.ts";

export async function ensureDriverEnv(ctx: ProvisionContext): Promise<void> {
  const { lambda } = ctx.clients;
  const name = ctx.names.functions.driver;
  const url = ctx.state.invokeUrl;
  const exists = await getFunction(lambda, name);
  if (!exists || !url) {
    if (ctx.dryRun) ctx.changes.push(`give ${name} the plot API's URL`);
    else
      throw new UserError(
        `cannot configure ${name}: ${exists ? "the API's URL is unknown" : "it does not exist"}`,
        "run s3size setup again",
      );
    return;
  }
  const config = await read(() => lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name })));
  const variables = config.Environment?.Variables ?? {};
  if (variables[FUNCTION_ENV.plotApiUrl] === url) return;
  await change(ctx, `give ${name} the plot API's URL`, () =>
    withRetry(
      () =>
        lambda.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: name,
            Environment: { Variables: { ...variables, [FUNCTION_ENV.plotApiUrl]: url } },
          }),
        ),
      { when: [isThrottle, isConflict], attempts: 12 },
    ),
  );
  if (!ctx.dryRun) await waitUntilReady(lambda, name);
}

/** Nothing to undo: the variable goes with the function, which the functions step deletes. */
export async function destroyDriverEnv(_ctx: ProvisionContext): Promise<void> {}
