// S3: s3rver stores buckets and objects behind the edge; the edge strips SigV4 (s3rver knows only its own
// keys), unwraps aws-chunked uploads, serves what s3rver lacks or gets wrong, and fires notifications.
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type BackendResponse, exchange, sendBackendResponse } from "../protocol/http.ts";
import { parseXml, sendXml, xmlChildren, xmlText } from "../protocol/xml.ts";
import type { CloudContext, EdgeRequest, Service } from "../types.ts";
import { decodeUpload } from "./aws-chunked.ts";
import { BUCKET_EXTRAS, type BucketExtra, BucketSettingsStore, handleBucketExtra } from "./extras.ts";
import { S3Failure } from "./failure.ts";
import { type ListingStore, sendListing } from "./listing.ts";
import { createNotifier } from "./notifier.ts";

interface S3rverStore extends ListingStore {
  getBucket(bucket: string): Promise<unknown | null>;
}

interface S3rverInstance {
  store: S3rverStore;
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => S3rverInstance;

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
/** Presigned-URL parameters: the edge accepts any signature, and s3rver would look the key up. */
const SIGNATURE_QUERY = /^X-Amz-(Algorithm|Credential|Date|Expires|SignedHeaders|Signature|Security-Token)$/i;

/** No subresource: the SDK's `x-id=<Operation>` and presigning parameters do not count. */
function isPlain(query: URLSearchParams): boolean {
  return [...query.keys()].every((name) => name === "x-id" || SIGNATURE_QUERY.test(name));
}

export async function createS3Service(ctx: CloudContext): Promise<Service> {
  const directory = join(ctx.dataDir, "s3");
  mkdirSync(directory, { recursive: true });
  // Path-style only (no vhost buckets): the edge's host is an IP or localhost.
  const s3rver = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true, vhostBuckets: false });
  const { port } = await s3rver.run();
  ctx.debug(`s3rver listening on 127.0.0.1:${port} with data in ${directory}`);
  const store = s3rver.store;
  const settings = new BucketSettingsStore(join(ctx.dataDir, "s3-buckets.json"), "us-east-1");
  const notifier = createNotifier(ctx, settings, (bucket, key) => store.getMetadata(bucket, key));
  const bucketExists = async (bucket: string) => (await store.getBucket(bucket)) !== null;
  const requireBucket = async (bucket: string) => {
    if (!(await bucketExists(bucket))) {
      throw new S3Failure(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: bucket });
    }
  };

  const forward = (req: EdgeRequest, overrides: { headers?: EdgeRequest["headers"]; body?: Buffer } = {}) => {
    const query = new URLSearchParams([...req.query].filter(([name]) => !SIGNATURE_QUERY.test(name)));
    const headers = { ...(overrides.headers ?? req.headers) };
    delete headers.authorization;
    const search = query.toString();
    return exchange(port, {
      method: req.method,
      path: search ? `${req.path}?${search}` : req.path,
      headers,
      body: overrides.body ?? req.body,
    });
  };

  const createBucket = async (bucket: string, req: EdgeRequest, res: ServerResponse) => {
    let constraint = "";
    if (req.body.length > 0) {
      try {
        constraint = xmlText(parseXml(req.body.toString("utf8")), "LocationConstraint") ?? "";
      } catch {
        throw new S3Failure(
          400,
          "MalformedXML",
          "The XML you provided was not well-formed or did not validate against our published schema",
        );
      }
    }
    if (constraint === "us-east-1") {
      throw new S3Failure(
        400,
        "InvalidLocationConstraint",
        "The specified location-constraint is not valid",
        {
          LocationConstraint: constraint,
        },
      );
    }
    const location = constraint || "us-east-1";
    if (location !== req.region) {
      throw new S3Failure(
        400,
        "IllegalLocationConstraintException",
        `The ${constraint || "unspecified"} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      );
    }
    if (await bucketExists(bucket)) {
      // Legacy us-east-1 behaviour: re-creating your own bucket there succeeds.
      if (location === "us-east-1" && settings.get(bucket).region === "us-east-1") {
        res.writeHead(200, { location: `/${bucket}`, "content-length": "0" });
        res.end();
        return;
      }
      throw new S3Failure(
        409,
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
        { BucketName: bucket },
      );
    }
    const response = await forward(req, { body: Buffer.alloc(0) });
    if (response.status === 200) {
      settings.update(bucket, (s) => {
        s.region = location;
      });
    }
    sendBackendResponse(res, response);
  };

  const handleBucket = async (bucket: string, req: EdgeRequest, res: ServerResponse) => {
    const { method, query } = req;
    if (method === "PUT" && isPlain(query)) return createBucket(bucket, req, res);
    const extra = BUCKET_EXTRAS.find((name) => query.has(name));
    if (extra || method === "HEAD" || method === "GET") {
      if (method === "HEAD") {
        const region = settings.get(bucket).region;
        res.writeHead((await bucketExists(bucket)) ? 200 : 404, {
          "x-amz-bucket-region": region,
          "content-length": "0",
        });
        res.end();
        return;
      }
      await requireBucket(bucket);
      if (extra) return handleBucketExtra(extra as BucketExtra, bucket, req, res, settings, ctx);
      if (query.has("location")) {
        const region = settings.get(bucket).region;
        const value = region === "us-east-1" ? "" : region;
        return sendXml(res, 200, `<LocationConstraint ${NS}>${value}</LocationConstraint>`);
      }
      if (query.has("versioning")) return sendXml(res, 200, `<VersioningConfiguration ${NS}/>`);
      if (query.has("versions"))
        return sendListing("versions", bucket, join(directory, bucket), query, store, res);
      if (
        ![...query.keys()].some(
          (name) =>
            ![
              "list-type",
              "prefix",
              "delimiter",
              "max-keys",
              "continuation-token",
              "start-after",
              "fetch-owner",
              "encoding-type",
              "marker",
              "x-id",
            ].includes(name),
        )
      ) {
        return sendListing(
          query.get("list-type") === "2" ? "v2" : "v1",
          bucket,
          join(directory, bucket),
          query,
          store,
          res,
        );
      }
    }
    if (method === "PUT" && query.has("versioning")) {
      await requireBucket(bucket);
      throw new S3Failure(501, "NotImplemented", "The local cloud's buckets are unversioned");
    }
    const response = await forward(req);
    if (method === "DELETE" && isPlain(query) && response.status === 204) settings.remove(bucket);
    if (method === "POST" && query.has("delete") && response.status === 200) {
      for (const deleted of xmlChildren(parseXml(response.body.toString("utf8")), "Deleted")) {
        await notifier.objectRemoved(bucket, xmlText(deleted, "Key") ?? "", req, response);
      }
    }
    sendBackendResponse(res, response);
  };

  const handleObject = async (bucket: string, key: string, req: EdgeRequest, res: ServerResponse) => {
    const { method, query } = req;
    const isUpload = method === "PUT" && !query.has("tagging") && !query.has("acl");
    let response: BackendResponse;
    if (isUpload) {
      const upload = decodeUpload(req.headers, req.body);
      const copySource = upload.headers["x-amz-copy-source"];
      // s3rver takes the whole header as "bucket/key"; a versionId would become part of the key.
      if (typeof copySource === "string")
        upload.headers["x-amz-copy-source"] = copySource.replace(/\?versionId=.*$/, "");
      response = await forward(req, upload);
    } else {
      response = await forward(req);
    }
    const requestId = randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase();
    response.headers["x-amz-request-id"] ??= requestId;
    // Events are queued (durably) before the answer, so an acknowledged change is never lost.
    if (response.status < 300) await notify(bucket, key, req, response);
    sendBackendResponse(res, response);
  };

  const notify = async (bucket: string, key: string, req: EdgeRequest, response: BackendResponse) => {
    const { method, query } = req;
    if (method === "PUT" && !query.has("tagging") && !query.has("acl") && !query.has("uploadId")) {
      const copied = typeof req.headers["x-amz-copy-source"] === "string";
      const eventName = copied ? "s3:ObjectCreated:Copy" : "s3:ObjectCreated:Put";
      await notifier.objectCreated(bucket, key, eventName, req, response);
    } else if (method === "POST" && query.has("uploadId")) {
      await notifier.objectCreated(bucket, key, "s3:ObjectCreated:CompleteMultipartUpload", req, response);
    } else if (method === "DELETE" && isPlain(query)) {
      await notifier.objectRemoved(bucket, key, req, response);
    }
  };

  return {
    name: "s3",
    async handle(req, res) {
      try {
        const [, bucketPart = "", ...keyParts] = req.path.split("/");
        const bucket = decodeURIComponent(bucketPart);
        if (!bucket) return sendBackendResponse(res, await forward(req));
        if (keyParts.length === 0 || (keyParts.length === 1 && keyParts[0] === "")) {
          return await handleBucket(bucket, req, res);
        }
        return await handleObject(bucket, decodeURIComponent(keyParts.join("/")), req, res);
      } catch (error) {
        if (error instanceof S3Failure) return error.send(res);
        throw error;
      }
    },
    async close() {
      await s3rver.close();
    },
  };
}
