import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { removeDir } from "./processes";

/** The credentials s3rver accepts; tests pass them to the AWS CLI. */
export const s3rverEnv = {
  AWS_ACCESS_KEY_ID: "S3RVER",
  AWS_SECRET_ACCESS_KEY: "S3RVER",
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
} as const;

/** One successful PUT (an object, or a part of one), in the order the server answered them. */
export interface S3Put {
  readonly key: string;
  readonly query: string;
  /** The x-amz-server-side-encryption* request headers. */
  readonly encryption: Readonly<Record<string, string>>;
}

export interface S3Server {
  readonly endpoint: string;
  readonly bucket: string;
  readonly puts: readonly S3Put[];
  /** Keys whose multipart upload was started (POST ?uploads), in order. */
  readonly multipartStarts: readonly string[];
  /** Every object key in the bucket, sorted. */
  keys(): Promise<string[]>;
  object(key: string): Promise<Buffer>;
  stop(): Promise<void>;
}

/** A real S3-protocol server (s3rver) on loopback, with one bucket, in a temporary directory. */
export async function startS3(bucket = "pgplat-backups"): Promise<S3Server> {
  // s3rver has no types; its surface used here is tiny.
  type Context = { method: string; path: string; querystring: string; status: number; headers: Record<string, string> };
  const S3rver = require("s3rver") as new (options: Record<string, unknown>) => {
    middleware: ((ctx: Context, next: () => Promise<void>) => Promise<void>)[];
    run(): Promise<{ port: number }>;
    close(): Promise<void>;
  };
  const directory = mkdtempSync(path.join(tmpdir(), "pgplat-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const puts: S3Put[] = [];
  const multipartStarts: string[] = [];
  // s3rver is a Koa app: a first middleware sees every request and its answer.
  server.middleware.unshift(async (ctx, next) => {
    await next();
    const key = decodeURIComponent(ctx.path.replace(`/${bucket}/`, ""));
    if (ctx.method === "POST" && ctx.querystring.startsWith("uploads") && ctx.status === 200) multipartStarts.push(key);
    if (ctx.method !== "PUT" || ctx.status !== 200) return;
    puts.push({
      key,
      query: ctx.querystring,
      encryption: Object.fromEntries(
        Object.entries(ctx.headers).filter(([name]) => name.startsWith("x-amz-server-side-encryption")),
      ),
    });
  });
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (error) {
    removeDir(directory);
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const get = async (url: string) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  };
  return {
    endpoint,
    bucket,
    puts,
    multipartStarts,
    keys: async () => {
      const xml = (await get(`${endpoint}/${bucket}?list-type=2&max-keys=1000`)).toString("utf8");
      return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => decodeXml(match[1])).sort();
    },
    object: (key) => get(`${endpoint}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`),
    stop: async () => {
      await server.close();
      removeDir(directory);
    },
  };
}

function decodeXml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
