// The one error type of the Lambda emulation: AWS's exception name and status, sent as restJson.
export class LambdaError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (arn: string) =>
  new LambdaError(404, "ResourceNotFoundException", `Function not found: ${arn}`);
