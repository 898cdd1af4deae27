import { expect } from "chai";
import {
  isConflict,
  isNotReady,
  isRolePropagationError,
  isThrottle,
  NotReadyYet,
  waitFor,
  withRetry,
} from "../../cli/retry.ts";
import { awsError } from "./fake-context.ts";

describe("cli retry", () => {
  it("names Lambda's 'role cannot be assumed' error as role propagation, and nothing else", () => {
    const propagation = awsError(
      "InvalidParameterValueException",
      400,
      "The role defined for the function cannot be assumed by Lambda.",
    );
    expect(isRolePropagationError(propagation)).to.equal(true);
    expect(
      isRolePropagationError(
        awsError("InvalidParameterValueException", 400, "Unzipped size must be smaller"),
      ),
    ).to.equal(false);
    expect(isRolePropagationError(awsError("AccessDeniedException", 403))).to.equal(false);
  });

  it("recognises throttling, conflicts and not-ready resources by their AWS names", () => {
    expect(isThrottle(awsError("TooManyRequestsException", 429))).to.equal(true);
    expect(isThrottle(awsError("ThrottlingException", 400))).to.equal(true);
    expect(isThrottle(awsError("ResourceConflictException", 409))).to.equal(false);
    expect(isConflict(awsError("ResourceConflictException", 409))).to.equal(true);
    expect(isConflict(awsError("ConflictException", 409))).to.equal(true);
    expect(isNotReady(awsError("ResourceNotReadyException", 502))).to.equal(true);
    expect(isNotReady(new NotReadyYet("x"))).to.equal(true);
  });

  it("retries a matching error until the action succeeds", async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw awsError("TooManyRequestsException", 429);
        return "done";
      },
      { when: [isThrottle], baseDelayMs: 1 },
    );
    expect(result).to.equal("done");
    expect(calls).to.equal(3);
  });

  it("gives up after the bound and rethrows the last error", async () => {
    let calls = 0;
    const attempt = withRetry(
      async () => {
        calls++;
        throw awsError("ResourceConflictException", 409);
      },
      { when: [isConflict], attempts: 4, baseDelayMs: 1 },
    );
    await attempt.then(
      () => expect.fail("should have failed"),
      (error) => expect((error as Error).name).to.equal("ResourceConflictException"),
    );
    expect(calls).to.equal(4);
  });

  it("does not retry errors no condition names", async () => {
    let calls = 0;
    await withRetry(
      async () => {
        calls++;
        throw awsError("AccessDenied", 403);
      },
      { when: [isThrottle, isConflict], baseDelayMs: 1 },
    ).catch(() => {});
    expect(calls).to.equal(1);
  });

  it("waits until a poll returns a value and fails clearly past its time bound", async () => {
    let polls = 0;
    expect(
      await waitFor(async () => (++polls >= 3 ? "ready" : undefined), {
        timeoutMs: 5000,
        what: "x",
        intervalMs: 1,
      }),
    ).to.equal("ready");
    await waitFor(async () => undefined, { timeoutMs: 20, what: "the table", intervalMs: 5 }).then(
      () => expect.fail("should time out"),
      (error) => expect((error as Error).message).to.equal("timed out waiting for the table"),
    );
  });
});
