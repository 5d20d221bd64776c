import { createConnection, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  /** rediss:// (ElastiCache with in-transit encryption). */
  readonly tls: boolean;
  /** AUTH arguments, sent first. */
  readonly auth?: readonly string[];
}

/**
 * Connects, authenticates, runs one command and returns its bulk or simple
 * string reply: all the health report needs from Redis. Error replies become
 * errors; the AUTH arguments never appear in them.
 */
export function redisCommand(endpoint: RedisEndpoint, command: readonly string[], timeoutMs = 5_000): Promise<string> {
  const commands = [...(endpoint.auth ? [endpoint.auth] : []), command];
  return new Promise((resolve, reject) => {
    const socket: Socket = endpoint.tls
      ? tlsConnect({ host: endpoint.host, port: endpoint.port, servername: endpoint.host })
      : createConnection({ host: endpoint.host, port: endpoint.port });
    const replies: string[] = [];
    let buffer = Buffer.alloc(0);
    const finish = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(replies[replies.length - 1]);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on("error", (error) => finish(error));
    socket.on(endpoint.tls ? "secureConnect" : "connect", () => socket.write(commands.map(encode).join("")));
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const reply = parseReply(buffer);
        if (!reply) return;
        buffer = buffer.subarray(reply.end);
        if (reply.error)
          return finish(
            new Error(replies.length === 0 && endpoint.auth ? `AUTH refused: ${reply.error}` : reply.error),
          );
        replies.push(reply.value);
        if (replies.length === commands.length) return finish();
      }
    });
  });
}

function encode(parts: readonly string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join("")}`;
}

/** Simple strings, errors, integers and bulk strings: the replies AUTH and INFO give. */
function parseReply(buffer: Buffer): { value: string; error?: string; end: number } | undefined {
  const lineEnd = buffer.indexOf("\r\n");
  if (lineEnd < 0) return undefined;
  const line = buffer.toString("utf8", 1, lineEnd);
  const kind = String.fromCharCode(buffer[0]);
  if (kind === "-") return { value: "", error: line, end: lineEnd + 2 };
  if (kind === "+" || kind === ":") return { value: line, end: lineEnd + 2 };
  if (kind === "$") {
    const length = Number(line);
    if (length < 0) return { value: "", end: lineEnd + 2 };
    if (buffer.length < lineEnd + 2 + length + 2) return undefined;
    return { value: buffer.toString("utf8", lineEnd + 2, lineEnd + 2 + length), end: lineEnd + 2 + length + 2 };
  }
  return { value: "", error: `unexpected reply type ${kind}`, end: buffer.length };
}
