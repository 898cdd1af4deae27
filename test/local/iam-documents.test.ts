// Policy document validation on its own: each grammar error IAM refuses, with IAM's message, and the
// documents it accepts (including every AWS managed policy in the catalogue).
import { expect } from "chai";
import { awsManagedPolicies } from "../../local/iam/managed.ts";
import {
  MalformedPolicy,
  type PolicyKind,
  policySize,
  validatePolicy,
} from "../../local/iam/policy/validate.ts";

const statement = { Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::example_bucket" };
const trustStatement = {
  Effect: "Allow",
  Principal: { Service: "lambda.amazonaws.com" },
  Action: "sts:AssumeRole",
};

function problem(document: unknown, kind: PolicyKind = "inline", roleExists?: (arn: string) => boolean) {
  const text = typeof document === "string" ? document : JSON.stringify(document);
  try {
    validatePolicy(text, kind, roleExists);
  } catch (error) {
    if (error instanceof MalformedPolicy) return error.message;
    throw error;
  }
  return undefined;
}

const cases: Array<[string, unknown, string, PolicyKind?]> = [
  ["text that is not JSON", "This is not a json document", "Syntax errors in policy."],
  ["a JSON array", [statement], "Syntax errors in policy."],
  ["an unknown version", { Version: "2020-01-01", Statement: statement }, "Syntax errors in policy."],
  ["no Statement", { Version: "2012-10-17" }, "Syntax errors in policy."],
  ["an empty Statement list", { Version: "2012-10-17", Statement: [] }, "Syntax errors in policy."],
  ["a statement that is a string", { Version: "2012-10-17", Statement: ["afd"] }, "Syntax errors in policy."],
  [
    "an unknown top-level key",
    { Version: "2012-10-17", Statement: statement, Extra: 1 },
    "Syntax errors in policy.",
  ],
  [
    "an unknown statement key",
    { Version: "2012-10-17", Statement: { ...statement, Extra: 1 } },
    "Syntax errors in policy.",
  ],
  ["a non-string Id", { Version: "2012-10-17", Id: {}, Statement: statement }, "Syntax errors in policy."],
  [
    "no Effect",
    { Version: "2012-10-17", Statement: { Action: "s3:ListBucket", Resource: "*" } },
    "Syntax errors in policy.",
  ],
  [
    '"Effect": "Maybe"',
    { Version: "2012-10-17", Statement: { ...statement, Effect: "Maybe" } },
    "Syntax errors in policy.",
  ],
  [
    '"Effect": "allow" (the wrong case)',
    { Version: "2012-10-17", Statement: { ...statement, Effect: "allow" } },
    "The policy failed legacy parsing",
  ],
  [
    "both Action and NotAction",
    { Version: "2012-10-17", Statement: { ...statement, NotAction: "s3:Get*" } },
    "Syntax errors in policy.",
  ],
  [
    "both Resource and NotResource",
    { Version: "2012-10-17", Statement: { ...statement, NotResource: "*" } },
    "Syntax errors in policy.",
  ],
  [
    "an Action that is an object",
    { Version: "2012-10-17", Statement: { ...statement, Action: { a: 1 } } },
    "Syntax errors in policy.",
  ],
  [
    "a Condition that is a list",
    { Version: "2012-10-17", Statement: { ...statement, Condition: [] } },
    "Syntax errors in policy.",
  ],
  [
    "an unknown condition operator",
    { Version: "2012-10-17", Statement: { ...statement, Condition: { StringSortOf: { "aws:x": "y" } } } },
    "Syntax errors in policy.",
  ],
  [
    "a condition value that is an object",
    {
      Version: "2012-10-17",
      Statement: { ...statement, Condition: { StringEquals: { "aws:x": { y: 1 } } } },
    },
    "Syntax errors in policy.",
  ],
  [
    "a date condition that is not a date",
    {
      Version: "2012-10-17",
      Statement: { ...statement, Condition: { DateGreaterThan: { "aws:CurrentTime": "soon" } } },
    },
    "The policy failed legacy parsing",
  ],
  [
    "no Action",
    { Version: "2012-10-17", Statement: { Effect: "Allow", Resource: "*" } },
    "Policy statement must contain actions.",
  ],
  [
    "an empty Action list",
    { Version: "2012-10-17", Statement: { ...statement, Action: [] } },
    "Policy statement must contain actions.",
  ],
  [
    "no Resource",
    { Version: "2012-10-17", Statement: { Effect: "Allow", Action: "s3:ListBucket" } },
    "Policy statement must contain resources.",
  ],
  [
    "an empty Resource list",
    { Version: "2012-10-17", Statement: { ...statement, Resource: [] } },
    "Policy statement must contain resources.",
  ],
  [
    "an action without a service",
    { Version: "2012-10-17", Statement: { ...statement, Action: "ListBucket" } },
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
  ],
  [
    "an action with two colons",
    { Version: "2012-10-17", Statement: { ...statement, Action: "s3:List:Bucket" } },
    "Actions/Condition can contain only one colon.",
  ],
  [
    "a service with a space",
    { Version: "2012-10-17", Statement: { ...statement, Action: "a a:ListBucket" } },
    "Vendor a a is not valid",
  ],
  [
    "a resource that is not an ARN",
    { Version: "2012-10-17", Statement: { ...statement, Resource: "my-bucket" } },
    'Resource my-bucket must be in ARN format or "*".',
  ],
  [
    "an unknown partition",
    { Version: "2012-10-17", Statement: { ...statement, Resource: "arn:error:s3:::example_bucket" } },
    'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".',
  ],
  [
    "a resource with a made-up partition",
    { Version: "2012-10-17", Statement: { ...statement, Resource: "a:bsdfdsafsad" } },
    'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".',
  ],
  [
    "a resource with a short made-up ARN",
    { Version: "2012-10-17", Statement: { ...statement, Resource: "a:b:cadfsdf" } },
    'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".',
  ],
  [
    "a resource with a long made-up ARN",
    { Version: "2012-10-17", Statement: { ...statement, Resource: "a:b:c:d:e:f:g:h" } },
    'Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".',
  ],
  [
    "an S3 ARN with a region",
    { Version: "2012-10-17", Statement: { ...statement, Resource: "arn:aws:s3:us-east-1::example_bucket" } },
    "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.",
  ],
  [
    "an S3 ARN missing a colon",
    { Version: "2012-10-17", Statement: { ...statement, Resource: "arn:aws:s3::example_bucket" } },
    "The policy failed legacy parsing",
  ],
  [
    "two statements with one Sid",
    {
      Version: "2012-10-17",
      Statement: [
        { ...statement, Sid: "A" },
        { ...statement, Sid: "A" },
      ],
    },
    "Statement IDs (SID) in a single policy must be unique.",
  ],
  [
    "a Sid with spaces",
    { Version: "2012-10-17", Statement: { ...statement, Sid: "List the bucket" } },
    "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
  ],
  [
    "a Principal in an identity policy",
    { Version: "2012-10-17", Statement: { ...statement, Principal: "*" } },
    "Policy document should not specify a principal.",
  ],
  [
    "no Version in a managed policy",
    { Statement: statement },
    "Policy document must be version 2012-10-17 or greater.",
    "managed",
  ],
  [
    "version 2008-10-17 in a managed policy",
    { Version: "2008-10-17", Statement: statement },
    "Policy document must be version 2012-10-17 or greater.",
    "managed",
  ],
  [
    "a trust policy without a principal",
    { Version: "2012-10-17", Statement: { Effect: "Allow", Action: "sts:AssumeRole" } },
    "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!",
    "trust",
  ],
  [
    "a trust policy with a Resource",
    { Version: "2012-10-17", Statement: { ...trustStatement, Resource: "*" } },
    "Has prohibited field Resource.",
    "trust",
  ],
  [
    "a trust policy for another action",
    { Version: "2012-10-17", Statement: { ...trustStatement, Action: "s3:GetObject" } },
    "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity",
    "trust",
  ],
  [
    "a trust policy with an unknown principal type",
    { Version: "2012-10-17", Statement: { ...trustStatement, Principal: { Robot: "x" } } },
    'Invalid principal in policy: "Robot":"x"',
    "trust",
  ],
];

describe("IAM policy document validation", () => {
  for (const [what, document, message, kind] of cases) {
    it(`refuses ${what} with "${message}"`, () => {
      expect(problem(document, kind)).to.equal(message);
    });
  }

  it("refuses a trust policy naming a role that does not exist, and accepts one that does", () => {
    const naming = (arn: string) => ({
      Version: "2012-10-17",
      Statement: { ...trustStatement, Principal: { AWS: arn } },
    });
    const arn = "arn:aws:iam::000000000000:role/gone";
    expect(problem(naming(arn), "trust", () => false)).to.equal(
      `Invalid principal in policy: "AWS":"${arn}"`,
    );
    expect(problem(naming(arn), "trust", () => true)).to.equal(undefined);
    expect(problem(naming("arn:aws:iam::000000000000:root"), "trust")).to.equal(undefined);
  });

  it("accepts inline policies without a version or with 2008-10-17, and a single statement object", () => {
    expect(problem({ Statement: statement })).to.equal(undefined);
    expect(problem({ Version: "2008-10-17", Statement: [statement] })).to.equal(undefined);
    expect(problem({ Version: "2012-10-17", Id: "x", Statement: statement })).to.equal(undefined);
  });

  it("accepts NotAction/NotResource, conditions with booleans and numbers, and the project's trust policy", () => {
    const document = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "All",
          Effect: "Deny",
          NotAction: "s3:*",
          NotResource: ["arn:aws:s3:::a", "arn:aws:s3:::a/*"],
        },
        {
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*",
          Condition: { Bool: { "aws:SecureTransport": true }, NumericLessThan: { "s3:max-keys": 10 } },
        },
      ],
    };
    expect(problem(document)).to.equal(undefined);
    expect(problem({ Version: "2012-10-17", Statement: [trustStatement] }, "trust")).to.equal(undefined);
  });

  it("accepts every AWS managed policy of the catalogue as a managed policy", () => {
    const policies = awsManagedPolicies();
    expect(policies.map((policy) => policy.PolicyName)).to.include.members([
      "AWSLambdaBasicExecutionRole",
      "AmazonDynamoDBFullAccess",
      "AdministratorAccess",
    ]);
    for (const policy of policies) {
      expect(problem(policy.Document, "managed"), policy.PolicyName).to.equal(undefined);
    }
  });

  it("measures a document's size without its whitespace", () => {
    expect(policySize('{ "a" :\n\t"b c" }')).to.equal(10);
  });
});
