// The policy evaluator on its own: statements, wildcards, Not elements, every condition operator, variables,
// resource policies and the precedence of an explicit Deny, with the denial wording AWS uses.
import { expect } from "chai";
import { readPolicy } from "../../local/iam/policy/document.ts";
import {
  type Decision,
  denialMessage,
  type EvaluationInput,
  evaluate,
  type Principal,
} from "../../local/iam/policy/evaluate.ts";
import type { RequestContext } from "../../local/iam/policy/match.ts";

const ACCOUNT = "000000000000";
const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/history`;
const session: Extract<Principal, { type: "role-session" }> = {
  type: "role-session",
  accountId: ACCOUNT,
  roleArn: `arn:aws:iam::${ACCOUNT}:role/service/tracker-role`,
  roleName: "tracker-role",
  sessionName: "tracker",
  sessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/tracker-role/tracker`,
};
const root: Principal = { type: "root", accountId: ACCOUNT };
const s3: Principal = { type: "service", service: "s3.amazonaws.com" };

function context(values: Record<string, string | string[]> = {}): RequestContext {
  return new Map(Object.entries(values).map(([key, value]) => [key.toLowerCase(), value]));
}

function policy(...statements: object[]) {
  return readPolicy({ Version: "2012-10-17", Statement: statements });
}

function decide(
  statements: object[],
  request: Partial<EvaluationInput> & { ctx?: Record<string, string | string[]> } = {},
): Decision {
  return evaluate({
    principal: session,
    action: "dynamodb:PutItem",
    resource: TABLE,
    context: context(request.ctx),
    identityPolicies: statements.length > 0 ? [policy(...statements)] : [],
    ...request,
  });
}

const allowPut = { Effect: "Allow", Action: "dynamodb:PutItem", Resource: TABLE };

/** One statement allowing PutItem under a single condition. */
function allowedWhen(condition: object, ctx: Record<string, string | string[]> = {}): boolean {
  return decide([{ ...allowPut, Condition: condition }], { ctx }).allowed;
}

describe("IAM policy evaluation", () => {
  describe("statements", () => {
    it("denies a role session implicitly when no identity policy allows the action", () => {
      expect(decide([])).to.deep.equal({ allowed: false, reason: "no-identity-allow" });
      expect(decide([{ Effect: "Allow", Action: "dynamodb:Query", Resource: TABLE }]).allowed).to.equal(
        false,
      );
    });

    it("allows what an identity policy allows", () => {
      expect(decide([allowPut])).to.deep.equal({ allowed: true, via: "identity" });
    });

    it("lets an explicit Deny win over any Allow", () => {
      const statements = [allowPut, { Effect: "Deny", Action: "dynamodb:*", Resource: "*" }];
      expect(decide(statements)).to.deep.equal({ allowed: false, reason: "explicit-identity" });
    });

    it("matches action wildcards case-insensitively and resource wildcards case-sensitively", () => {
      expect(decide([{ Effect: "Allow", Action: "DynamoDB:put*", Resource: TABLE }]).allowed).to.equal(true);
      expect(decide([{ Effect: "Allow", Action: "dynamodb:P?tItem", Resource: TABLE }]).allowed).to.equal(
        true,
      );
      expect(decide([{ Effect: "Allow", Action: "*", Resource: "*" }]).allowed).to.equal(true);
      const wildTable = `arn:aws:dynamodb:*:${ACCOUNT}:table/hist*`;
      expect(decide([{ Effect: "Allow", Action: "dynamodb:PutItem", Resource: wildTable }]).allowed).to.equal(
        true,
      );
      expect(decide([{ ...allowPut, Resource: TABLE.toUpperCase() }]).allowed).to.equal(false);
      expect(decide([{ ...allowPut, Resource: `${TABLE}?` }]).allowed).to.equal(false);
    });

    it("lets `*` in a resource span colons and slashes, as log stream and object ARNs need", () => {
      const stream = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/f:log-stream:2026/01/01/[$LATEST]abc`;
      const statements = [
        {
          Effect: "Allow",
          Action: "logs:PutLogEvents",
          Resource: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/f:*`,
        },
      ];
      expect(decide(statements, { action: "logs:PutLogEvents", resource: stream }).allowed).to.equal(true);
      expect(
        decide(statements, { action: "logs:PutLogEvents", resource: stream.replace("/f:", "/g:") }).allowed,
      ).to.equal(false);
    });

    it("reads NotAction as every action but the listed ones", () => {
      const statements = [{ Effect: "Allow", NotAction: ["iam:*", "dynamodb:DeleteTable"], Resource: "*" }];
      expect(decide(statements).allowed).to.equal(true);
      expect(decide(statements, { action: "dynamodb:DeleteTable" }).allowed).to.equal(false);
      expect(decide(statements, { action: "iam:CreateRole", resource: "*" }).allowed).to.equal(false);
    });

    it("reads NotResource as every resource but the listed ones, also under Deny", () => {
      const other = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/other`;
      const statements = [
        { Effect: "Allow", Action: "dynamodb:*", Resource: "*" },
        { Effect: "Deny", Action: "dynamodb:*", NotResource: TABLE },
      ];
      expect(decide(statements).allowed).to.equal(true);
      expect(decide(statements, { resource: other })).to.deep.equal({
        allowed: false,
        reason: "explicit-identity",
      });
    });

    it("combines statements across several attached policies", () => {
      const denyAll = readPolicy({
        Version: "2012-10-17",
        Statement: { Effect: "Deny", Action: "*", Resource: "*" },
      });
      const allow = readPolicy({ Version: "2012-10-17", Statement: [allowPut] });
      expect(
        evaluate({
          principal: session,
          action: "dynamodb:PutItem",
          resource: TABLE,
          context: context(),
          identityPolicies: [allow],
        }).allowed,
      ).to.equal(true);
      expect(
        evaluate({
          principal: session,
          action: "dynamodb:PutItem",
          resource: TABLE,
          context: context(),
          identityPolicies: [allow, denyAll],
        }),
      ).to.deep.equal({ allowed: false, reason: "explicit-identity" });
    });

    it("always allows the account root, except when a resource policy denies it", () => {
      expect(decide([], { principal: root })).to.deep.equal({ allowed: true, via: "root" });
      const resourcePolicy = readPolicy({
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Principal: "*", Action: "dynamodb:PutItem", Resource: "*" }],
      });
      expect(decide([], { principal: root, resourcePolicy })).to.deep.equal({
        allowed: false,
        reason: "explicit-resource",
      });
    });
  });

  describe("resource policies", () => {
    const bucket = "arn:aws:s3:::data";
    const object = "arn:aws:s3:::data/a.txt";
    const grant = (principal: unknown, extra: object = {}) =>
      readPolicy({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: principal,
            Action: "s3:GetObject",
            Resource: `${bucket}/*`,
            ...extra,
          },
        ],
      });
    const get = (
      resourcePolicy: ReturnType<typeof grant>,
      statements: object[] = [],
      principal: Principal = session,
    ) =>
      evaluate({
        principal,
        action: "s3:GetObject",
        resource: object,
        context: context({ "aws:SourceArn": "arn:aws:s3:::data" }),
        identityPolicies: statements.length > 0 ? [policy(...statements)] : [],
        resourcePolicy,
      });

    it("allows a same-account role session named by its role ARN, without any identity policy", () => {
      expect(get(grant({ AWS: session.roleArn }))).to.deep.equal({
        allowed: true,
        via: "resource",
      });
    });

    it("allows a session named by its assumed-role ARN, and everyone under Principal *", () => {
      expect(get(grant({ AWS: session.sessionArn })).allowed).to.equal(true);
      expect(get(grant("*")).allowed).to.equal(true);
      expect(get(grant({ AWS: "*" })).allowed).to.equal(true);
    });

    it("hands the decision to identity policies when it names only the account", () => {
      const accountGrant = grant({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
      expect(get(accountGrant)).to.deep.equal({ allowed: false, reason: "no-identity-allow" });
      expect(
        get(accountGrant, [{ Effect: "Allow", Action: "s3:GetObject", Resource: object }]).allowed,
      ).to.equal(true);
      expect(get(grant({ AWS: ACCOUNT }), [], root).allowed).to.equal(true);
    });

    it("ignores statements for other principals, leaving the identity policy to decide", () => {
      const other = grant({ AWS: `arn:aws:iam::${ACCOUNT}:role/someone-else` });
      expect(get(other)).to.deep.equal({ allowed: false, reason: "no-identity-allow" });
      expect(get(other, [{ Effect: "Allow", Action: "s3:*", Resource: "*" }]).allowed).to.equal(true);
    });

    it("lets a service principal in only through the resource policy, with its source conditions", () => {
      const forS3 = grant(
        { Service: "s3.amazonaws.com" },
        { Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::data" } } },
      );
      expect(get(forS3, [], s3).allowed).to.equal(true);
      const elsewhere = grant(
        { Service: "s3.amazonaws.com" },
        { Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::other" } } },
      );
      expect(get(elsewhere, [], s3)).to.deep.equal({ allowed: false, reason: "no-resource-allow" });
      expect(get(grant({ Service: "sns.amazonaws.com" }), [], s3).allowed).to.equal(false);
    });

    it("denies when the resource policy denies, even if the identity policy allows", () => {
      const deny = readPolicy({
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*", Resource: `${bucket}/*` }],
      });
      expect(get(deny, [{ Effect: "Allow", Action: "s3:*", Resource: "*" }])).to.deep.equal({
        allowed: false,
        reason: "explicit-resource",
      });
    });

    it("reads NotPrincipal as everyone but the listed principals", () => {
      const deny = readPolicy({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Deny",
            NotPrincipal: { AWS: session.roleArn },
            Action: "s3:*",
            Resource: "*",
          },
        ],
      });
      const allowAll = [{ Effect: "Allow", Action: "s3:*", Resource: "*" }];
      expect(get(deny, allowAll).allowed).to.equal(true);
      expect(get(deny, [], root).allowed).to.equal(false);
    });

    it("requires the resource policy to grant when asked to, as a trust policy must for AssumeRole", () => {
      const trust = readPolicy({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      });
      const assume = (principal: Principal, statements: object[] = []) =>
        evaluate({
          principal,
          action: "sts:AssumeRole",
          resource: `arn:aws:iam::${ACCOUNT}:role/r`,
          context: context(),
          identityPolicies: statements.length > 0 ? [policy(...statements)] : [],
          resourcePolicy: trust,
          resourcePolicyRequired: true,
        });
      expect(assume(root)).to.deep.equal({ allowed: false, reason: "no-resource-allow" });
      expect(assume(session, [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }])).to.deep.equal({
        allowed: false,
        reason: "no-resource-allow",
      });
    });
  });

  describe("session policies", () => {
    it("limits a session to what both its role and its session policy allow", () => {
      const sessionPolicy = readPolicy({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "dynamodb:Query", Resource: "*" }],
      });
      const statements = [{ Effect: "Allow", Action: "dynamodb:*", Resource: "*" }];
      expect(decide(statements, { sessionPolicy })).to.deep.equal({
        allowed: false,
        reason: "no-session-allow",
      });
      expect(decide(statements, { sessionPolicy, action: "dynamodb:Query" }).allowed).to.equal(true);
    });
  });

  describe("conditions", () => {
    it("compares strings exactly, ignoring case, or with wildcards, and negates them", () => {
      expect(
        allowedWhen(
          { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
          { "aws:RequestedRegion": "us-east-1" },
        ),
      ).to.equal(true);
      expect(
        allowedWhen(
          { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
          { "aws:RequestedRegion": "US-EAST-1" },
        ),
      ).to.equal(false);
      expect(
        allowedWhen(
          { StringEqualsIgnoreCase: { "aws:RequestedRegion": "us-east-1" } },
          { "aws:RequestedRegion": "US-EAST-1" },
        ),
      ).to.equal(true);
      expect(
        allowedWhen(
          { StringNotEquals: { "aws:RequestedRegion": ["eu-west-1", "eu-central-1"] } },
          { "aws:RequestedRegion": "us-east-1" },
        ),
      ).to.equal(true);
      expect(
        allowedWhen(
          { StringNotEquals: { "aws:RequestedRegion": "us-east-1" } },
          { "aws:RequestedRegion": "us-east-1" },
        ),
      ).to.equal(false);
      expect(
        allowedWhen(
          { StringNotEqualsIgnoreCase: { "aws:RequestedRegion": "US-EAST-1" } },
          { "aws:RequestedRegion": "us-east-1" },
        ),
      ).to.equal(false);
      expect(
        allowedWhen({ StringLike: { "s3:prefix": ["home/*", "public/?"] } }, { "s3:prefix": "home/alice" }),
      ).to.equal(true);
      expect(allowedWhen({ StringLike: { "s3:prefix": "public/?" } }, { "s3:prefix": "public/ab" })).to.equal(
        false,
      );
      expect(
        allowedWhen({ StringNotLike: { "s3:prefix": "private/*" } }, { "s3:prefix": "home/alice" }),
      ).to.equal(true);
      expect(allowedWhen({ StringEquals: { "s3:prefix": "a*" } }, { "s3:prefix": "ab" })).to.equal(false);
    });

    it("treats condition keys without regard to case", () => {
      expect(
        allowedWhen(
          { StringEquals: { "AWS:REQUESTEDREGION": "us-east-1" } },
          { "aws:RequestedRegion": "us-east-1" },
        ),
      ).to.equal(true);
    });

    it("compares numbers", () => {
      const ctx = { "s3:max-keys": "10" };
      expect(allowedWhen({ NumericEquals: { "s3:max-keys": "10" } }, ctx)).to.equal(true);
      expect(allowedWhen({ NumericNotEquals: { "s3:max-keys": "10" } }, ctx)).to.equal(false);
      expect(allowedWhen({ NumericLessThan: { "s3:max-keys": "11" } }, ctx)).to.equal(true);
      expect(allowedWhen({ NumericLessThan: { "s3:max-keys": "10" } }, ctx)).to.equal(false);
      expect(allowedWhen({ NumericLessThanEquals: { "s3:max-keys": "10" } }, ctx)).to.equal(true);
      expect(allowedWhen({ NumericGreaterThan: { "s3:max-keys": "9.5" } }, ctx)).to.equal(true);
      expect(allowedWhen({ NumericGreaterThanEquals: { "s3:max-keys": "11" } }, ctx)).to.equal(false);
      expect(allowedWhen({ NumericEquals: { "s3:max-keys": "ten" } }, ctx)).to.equal(false);
    });

    it("compares dates given as ISO 8601 or epoch seconds", () => {
      const ctx = { "aws:CurrentTime": "2026-06-01T12:00:00Z", "aws:EpochTime": "1780315200" };
      expect(allowedWhen({ DateGreaterThan: { "aws:CurrentTime": "2026-01-01T00:00:00Z" } }, ctx)).to.equal(
        true,
      );
      expect(allowedWhen({ DateLessThan: { "aws:CurrentTime": "2026-01-01T00:00:00Z" } }, ctx)).to.equal(
        false,
      );
      expect(
        allowedWhen({ DateLessThanEquals: { "aws:CurrentTime": "2026-06-01T12:00:00Z" } }, ctx),
      ).to.equal(true);
      expect(
        allowedWhen({ DateGreaterThanEquals: { "aws:CurrentTime": "2026-06-01T12:00:01Z" } }, ctx),
      ).to.equal(false);
      expect(allowedWhen({ DateEquals: { "aws:EpochTime": "2026-06-01T12:00:00Z" } }, ctx)).to.equal(true);
      expect(allowedWhen({ DateNotEquals: { "aws:CurrentTime": "1780315200" } }, ctx)).to.equal(false);
    });

    it("compares booleans and binary values", () => {
      expect(
        allowedWhen({ Bool: { "aws:SecureTransport": "true" } }, { "aws:SecureTransport": "true" }),
      ).to.equal(true);
      expect(
        allowedWhen({ Bool: { "aws:SecureTransport": "false" } }, { "aws:SecureTransport": "true" }),
      ).to.equal(false);
      expect(allowedWhen({ BinaryEquals: { "x:key": "QmluYXJ5" } }, { "x:key": "QmluYXJ5" })).to.equal(true);
    });

    it("matches IPv4 and IPv6 addresses against CIDR ranges", () => {
      expect(
        allowedWhen({ IpAddress: { "aws:SourceIp": "127.0.0.0/8" } }, { "aws:SourceIp": "127.0.0.1" }),
      ).to.equal(true);
      expect(
        allowedWhen({ IpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, { "aws:SourceIp": "127.0.0.1" }),
      ).to.equal(false);
      expect(
        allowedWhen({ NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, { "aws:SourceIp": "127.0.0.1" }),
      ).to.equal(true);
      expect(
        allowedWhen({ IpAddress: { "aws:SourceIp": "2001:db8::/32" } }, { "aws:SourceIp": "2001:db8::1" }),
      ).to.equal(true);
      expect(
        allowedWhen({ IpAddress: { "aws:SourceIp": "203.0.113.7" } }, { "aws:SourceIp": "203.0.113.7" }),
      ).to.equal(true);
    });

    it("matches ARNs part by part, with wildcards inside a part", () => {
      const ctx = { "aws:SourceArn": "arn:aws:s3:::data-bucket" };
      expect(allowedWhen({ ArnEquals: { "aws:SourceArn": "arn:aws:s3:::data-bucket" } }, ctx)).to.equal(true);
      expect(allowedWhen({ ArnLike: { "aws:SourceArn": "arn:aws:s3:::data-*" } }, ctx)).to.equal(true);
      expect(allowedWhen({ ArnLike: { "aws:SourceArn": "arn:aws:s3:*:*:data-bucket" } }, ctx)).to.equal(true);
      expect(allowedWhen({ ArnNotEquals: { "aws:SourceArn": "arn:aws:s3:::data-bucket" } }, ctx)).to.equal(
        false,
      );
      expect(allowedWhen({ ArnNotLike: { "aws:SourceArn": "arn:aws:s3:::other-*" } }, ctx)).to.equal(true);
      expect(allowedWhen({ ArnLike: { "aws:SourceArn": "arn:aws:sns:::data-bucket" } }, ctx)).to.equal(false);
    });

    it("checks whether a key is present with Null", () => {
      expect(
        allowedWhen(
          { Null: { "aws:TokenIssueTime": "false" } },
          { "aws:TokenIssueTime": "2026-01-01T00:00:00Z" },
        ),
      ).to.equal(true);
      expect(
        allowedWhen(
          { Null: { "aws:TokenIssueTime": "true" } },
          { "aws:TokenIssueTime": "2026-01-01T00:00:00Z" },
        ),
      ).to.equal(false);
      expect(allowedWhen({ Null: { "aws:TokenIssueTime": "true" } })).to.equal(true);
    });

    it("fails a positive operator and passes a negated one when the key is missing, unless IfExists", () => {
      expect(allowedWhen({ StringEquals: { "aws:SourceVpc": "vpc-1" } })).to.equal(false);
      expect(allowedWhen({ StringNotEquals: { "aws:SourceVpc": "vpc-1" } })).to.equal(true);
      expect(allowedWhen({ StringEqualsIfExists: { "aws:SourceVpc": "vpc-1" } })).to.equal(true);
      expect(
        allowedWhen({ StringEqualsIfExists: { "aws:SourceVpc": "vpc-1" } }, { "aws:SourceVpc": "vpc-2" }),
      ).to.equal(false);
      expect(allowedWhen({ NumericLessThanIfExists: { "s3:max-keys": "5" } })).to.equal(true);
    });

    it("applies ForAnyValue and ForAllValues to multivalued keys", () => {
      const tags = { "aws:TagKeys": ["team", "cost"] };
      expect(allowedWhen({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["team"] } }, tags)).to.equal(true);
      expect(allowedWhen({ "ForAllValues:StringEquals": { "aws:TagKeys": ["team"] } }, tags)).to.equal(false);
      expect(
        allowedWhen({ "ForAllValues:StringEquals": { "aws:TagKeys": ["team", "cost", "x"] } }, tags),
      ).to.equal(true);
      expect(allowedWhen({ "ForAllValues:StringEquals": { "aws:TagKeys": ["team"] } })).to.equal(true);
      expect(allowedWhen({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["team"] } })).to.equal(false);
      expect(allowedWhen({ "ForAnyValue:StringNotLike": { "aws:TagKeys": ["t*"] } }, tags)).to.equal(true);
      expect(allowedWhen({ "ForAllValues:StringLike": { "aws:TagKeys": ["*t*"] } }, tags)).to.equal(true);
    });

    it("requires every operator and every key of a block to hold", () => {
      const ctx = { "aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "true" };
      expect(
        allowedWhen(
          { StringEquals: { "aws:RequestedRegion": "us-east-1" }, Bool: { "aws:SecureTransport": "true" } },
          ctx,
        ),
      ).to.equal(true);
      expect(
        allowedWhen(
          { StringEquals: { "aws:RequestedRegion": "us-east-1" }, Bool: { "aws:SecureTransport": "false" } },
          ctx,
        ),
      ).to.equal(false);
      expect(
        allowedWhen(
          { StringEquals: { "aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "false" } },
          ctx,
        ),
      ).to.equal(false);
    });

    it("makes a Deny with a condition apply only when its condition holds", () => {
      const statements = [
        allowPut,
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { StringNotEquals: { "aws:RequestedRegion": "us-east-1" } },
        },
      ];
      expect(decide(statements, { ctx: { "aws:RequestedRegion": "us-east-1" } }).allowed).to.equal(true);
      expect(decide(statements, { ctx: { "aws:RequestedRegion": "eu-west-1" } })).to.deep.equal({
        allowed: false,
        reason: "explicit-identity",
      });
    });
  });

  describe("policy variables", () => {
    const ctx = { "aws:PrincipalTag/team": "blue", "aws:userid": "AROAEXAMPLE:tracker" };

    it("substitutes request values in resources and conditions under version 2012-10-17", () => {
      const statements = [
        {
          Effect: "Allow",
          Action: "dynamodb:PutItem",
          Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/\${aws:PrincipalTag/team}-*`,
        },
      ];
      const blueTable = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/blue-history`;
      expect(decide(statements, { resource: blueTable, ctx }).allowed).to.equal(true);
      expect(decide(statements, { resource: TABLE, ctx }).allowed).to.equal(false);
      expect(
        allowedWhen(
          { StringLike: { "aws:userid": `*:\${aws:PrincipalTag/team}` } },
          { ...ctx, "aws:userid": "X:blue" },
        ),
      ).to.equal(true);
    });

    it("matches nothing for a variable the request lacks, unless a default is given", () => {
      const missing = [
        { ...allowPut, Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/\${aws:username}` },
      ];
      expect(decide(missing, { ctx }).allowed).to.equal(false);
      const withDefault = [
        { ...allowPut, Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/\${aws:username, 'history'}` },
      ];
      expect(decide(withDefault, { ctx }).allowed).to.equal(true);
    });

    it("keeps a substituted value literal, and reads a star variable as a literal star", () => {
      const statements = [
        { ...allowPut, Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/\${aws:PrincipalTag/team}` },
      ];
      const wild = { "aws:PrincipalTag/team": "*" };
      expect(decide(statements, { ctx: wild }).allowed).to.equal(false);
      expect(
        decide(statements, { ctx: wild, resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/*` }).allowed,
      ).to.equal(true);
      const star = [{ ...allowPut, Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/a\${*}` }];
      expect(decide(star, { resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/a*` }).allowed).to.equal(
        true,
      );
      expect(decide(star, { resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/ab` }).allowed).to.equal(
        false,
      );
    });

    it("reads variables literally in a policy without version 2012-10-17", () => {
      const old = readPolicy({
        Version: "2008-10-17",
        Statement: [
          { ...allowPut, Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/\${aws:PrincipalTag/team}` },
        ],
      });
      const input = {
        principal: session,
        action: "dynamodb:PutItem",
        context: context(ctx),
        identityPolicies: [old],
      };
      expect(
        evaluate({ ...input, resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/blue` }).allowed,
      ).to.equal(false);
      expect(
        evaluate({
          ...input,
          resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/\${aws:PrincipalTag/team}`,
        }).allowed,
      ).to.equal(true);
    });
  });

  describe("denial messages", () => {
    const put = (reason: Parameters<typeof denialMessage>[3]) =>
      denialMessage(session, "dynamodb:PutItem", TABLE, reason);

    it("words each reason as AWS does", () => {
      const who =
        "User: arn:aws:sts::000000000000:assumed-role/tracker-role/tracker is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/history";
      expect(put("no-identity-allow")).to.equal(
        `${who} because no identity-based policy allows the dynamodb:PutItem action`,
      );
      expect(put("explicit-identity")).to.equal(`${who} with an explicit deny in an identity-based policy`);
      expect(put("explicit-resource")).to.equal(`${who} with an explicit deny in a resource-based policy`);
      expect(put("no-resource-allow")).to.equal(
        `${who} because no resource-based policy allows the dynamodb:PutItem action`,
      );
      expect(put("no-session-allow")).to.equal(
        `${who} because no session policy allows the dynamodb:PutItem action`,
      );
    });

    it("leaves out the resource for an action that has none", () => {
      expect(denialMessage(session, "dynamodb:ListTables", "*", "no-identity-allow")).to.equal(
        "User: arn:aws:sts::000000000000:assumed-role/tracker-role/tracker is not authorized to perform: dynamodb:ListTables because no identity-based policy allows the dynamodb:ListTables action",
      );
    });
  });
});
