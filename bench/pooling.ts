/**
 * npm run bench:pooling [-- --seconds N]
 *
 * pgbench against PostgreSQL 16 directly and through the rendered PgBouncer,
 * with the dev stack's config and real SCRAM logins: TPC-B and select-only,
 * persistent connections and a new connection per transaction (-C), at 10,
 * 100 and 500 clients. Prints TPS, failed connections and the server backends
 * seen per cell, and the figures the pooler is judged by:
 *   - at 500 clients through PgBouncer: zero failed connections, backends ≤ pool size;
 *   - pooled TPC-B TPS ≥ 0.7 × the best direct TPC-B TPS at any concurrency.
 */
import { spawn } from "node:child_process";
import { numberFlag, runBench } from "./cli";
import { randomBytes } from "node:crypto";
import { builtInLogins, groupRoles, pgbouncerLimits, userlistUsers } from "../config";
import { scramSha256Secret } from "../components/database/scram";
import { startPgbouncer } from "../test/support/pgbouncerServer";
import { startPostgres, type PostgresServer } from "../test/support/postgresServer";
import { repositoryStackConfig } from "../test/support/stackConfig";

type Workload = "tpcb" | "select-only";
type Route = "direct" | "pgbouncer";

interface Cell {
  readonly route: Route;
  readonly workload: Workload;
  readonly reconnect: boolean;
  readonly clients: number;
  readonly tps: number;
  readonly failedConnections: number;
  readonly peakBackends: number;
}

const seconds = numberFlag("--seconds", 10);
// pgbench's TPC-B updates one of `scale` branch rows per transaction; with fewer
// branches than server connections it measures row-lock queues, not pooling.
const scale = numberFlag("--scale", 30);
const clientCounts = [10, 100, 500];
const benchUser = "app_user";

async function main(): Promise<number> {
  const config = repositoryStackConfig("dev");
  const database = config.postgres.database;
  const password = `Bench${randomBytes(12).toString("hex")}`;
  const passwords = new Map(
    [...userlistUsers(config), ...builtInLogins.map((login) => login.name)].map((user) => [
      user,
      user === benchUser ? password : `Other${randomBytes(12).toString("hex")}`,
    ]),
  );
  const verifiers = new Map(
    [...passwords].map(([user, plaintext]) => [
      user,
      scramSha256Secret({ password: plaintext, salt: randomBytes(16) }),
    ]),
  );

  const postgres = await startPostgres(config);
  let pgbouncer: Awaited<ReturnType<typeof startPgbouncer>> | undefined;
  try {
    for (const group of groupRoles)
      await postgres.query(
        `create role ${group.name} nologin ${group.memberOf.length ? `in role ${group.memberOf.join(", ")}` : ""}`,
      );
    for (const login of builtInLogins)
      await postgres.query(
        `create role ${login.name} login password '${verifiers.get(login.name)}' in role ${login.memberOf.join(", ")}`,
      );
    // The bench user owns the database so pgbench can create its tables.
    await postgres.query(`create database ${database} owner ${benchUser}`);
    pgbouncer = await startPgbouncer(
      config,
      postgres.port,
      userlistUsers(config).map((user) => ({ user, scramSecret: verifiers.get(user)! })),
    );
    await pgbench(["-i", "-q", "-s", String(scale), database], postgres.port, password);

    const poolSize = config.pgbouncer.defaultPoolSize + config.pgbouncer.reservePoolSize;
    const serverCap = pgbouncerLimits(config).maxDbConnections;
    console.log(
      `PostgreSQL 16 max_connections=${config.postgres.maxConnections}; PgBouncer ${config.pgbouncer.poolMode} pooling, pool ${poolSize} per user (max_db_connections ${serverCap}); pgbench scale ${scale}, ${seconds}s per cell`,
    );

    const cells: Cell[] = [];
    for (const workload of ["tpcb", "select-only"] as const) {
      for (const reconnect of [false, true]) {
        for (const clients of clientCounts) {
          for (const route of ["direct", "pgbouncer"] as const) {
            const port = route === "direct" ? postgres.port : pgbouncer.port;
            const cell = await runCell(postgres, { route, workload, reconnect, clients, port, password, database });
            cells.push(cell);
            console.log(formatCell(cell));
          }
        }
      }
    }
    return report(cells, poolSize);
  } finally {
    await pgbouncer?.stop();
    await postgres.stop();
  }
}

async function runCell(
  postgres: PostgresServer,
  args: {
    route: Route;
    workload: Workload;
    reconnect: boolean;
    clients: number;
    port: number;
    password: string;
    database: string;
  },
): Promise<Cell> {
  let peakBackends = 0;
  const sampler = setInterval(() => {
    postgres
      .query<{ n: string }>(`select count(*) as n from pg_stat_activity where usename = '${benchUser}'`)
      .then((rows) => (peakBackends = Math.max(peakBackends, Number(rows[0].n))))
      .catch(() => undefined);
  }, 200);
  try {
    const flags = [
      "-n",
      "-T",
      String(seconds),
      "-c",
      String(args.clients),
      "-j",
      "2",
      "-M",
      "simple",
      ...(args.workload === "select-only" ? ["-S"] : []),
      ...(args.reconnect ? ["-C"] : []),
      args.database,
    ];
    const result = await pgbench(flags, args.port, args.password, true);
    const tps = Number(/tps = ([\d.]+)/.exec(result.stdout)?.[1] ?? 0);
    const failedConnections = (
      result.stderr.match(
        /connection to server .* failed|could not connect|sorry, too many clients|no more connections allowed/g,
      ) ?? []
    ).length;
    return {
      route: args.route,
      workload: args.workload,
      reconnect: args.reconnect,
      clients: args.clients,
      tps,
      failedConnections,
      peakBackends,
    };
  } finally {
    clearInterval(sampler);
  }
}

function pgbench(
  args: string[],
  port: number,
  password: string,
  tolerateFailure = false,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("pgbench", ["-h", "127.0.0.1", "-p", String(port), "-U", benchUser, ...args], {
      env: { ...process.env, PGPASSWORD: password },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 || tolerateFailure
        ? resolve({ stdout, stderr })
        : reject(new Error(`pgbench ${args.join(" ")} exited ${code}: ${stderr}`)),
    );
  });
}

function formatCell(cell: Cell): string {
  const mode = `${cell.workload}${cell.reconnect ? " -C" : ""}`.padEnd(15);
  return `${mode} ${String(cell.clients).padStart(4)} clients  ${cell.route.padEnd(9)}  tps ${cell.tps.toFixed(0).padStart(7)}  failed connections ${String(cell.failedConnections).padStart(4)}  server backends ${String(cell.peakBackends).padStart(4)}`;
}

function report(cells: readonly Cell[], poolSize: number): number {
  console.log(
    "\n| workload | connections | clients | direct TPS | pooled TPS | pooled/direct | direct failed conns | pooled failed conns | direct backends | pooled backends |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const pooled of cells.filter((cell) => cell.route === "pgbouncer")) {
    const direct = cells.find(
      (cell) =>
        cell.route === "direct" &&
        cell.workload === pooled.workload &&
        cell.reconnect === pooled.reconnect &&
        cell.clients === pooled.clients,
    )!;
    const ratio = direct.tps > 0 ? (pooled.tps / direct.tps).toFixed(2) : "—";
    console.log(
      `| ${pooled.workload} | ${pooled.reconnect ? "per transaction (-C)" : "persistent"} | ${pooled.clients} | ${direct.tps.toFixed(0)} | ${pooled.tps.toFixed(0)} | ${ratio} | ${direct.failedConnections} | ${pooled.failedConnections} | ${direct.peakBackends} | ${pooled.peakBackends} |`,
    );
  }
  const at500 = cells.filter((cell) => cell.route === "pgbouncer" && cell.clients === 500);
  const failedAt500 = at500.reduce((sum, cell) => sum + cell.failedConnections, 0);
  const backendsAt500 = Math.max(...at500.map((cell) => cell.peakBackends));
  const verdicts: [string, boolean][] = [
    [`500 clients through PgBouncer: failed connections ${failedAt500} (target 0)`, failedAt500 === 0],
    [
      `500 clients through PgBouncer: server backends ${backendsAt500} ≤ pool size ${poolSize}`,
      backendsAt500 <= poolSize,
    ],
  ];
  // Like with like: each connection mode's worst pooled TPC-B cell against that mode's best direct cell.
  for (const reconnect of [false, true]) {
    const tpcb = cells.filter((cell) => cell.workload === "tpcb" && cell.reconnect === reconnect);
    const bestDirect = Math.max(...tpcb.filter((cell) => cell.route === "direct").map((cell) => cell.tps));
    const worstPooled = tpcb
      .filter((cell) => cell.route === "pgbouncer")
      .reduce((worst, cell) => (cell.tps < worst.tps ? cell : worst));
    const ratio = worstPooled.tps / bestDirect;
    const mode = reconnect ? "connection per transaction" : "persistent connections";
    verdicts.push([
      `TPC-B, ${mode}: lowest pooled TPS (${worstPooled.clients} clients) / best direct TPS = ${worstPooled.tps.toFixed(0)} / ${bestDirect.toFixed(0)} = ${ratio.toFixed(2)} (target ≥ 0.70)`,
      ratio >= 0.7,
    ]);
  }
  console.log("");
  for (const [text, ok] of verdicts) console.log(`${ok ? "PASS" : "FAIL"}  ${text}`);
  return verdicts.every(([, ok]) => ok) ? 0 : 1;
}

runBench(main);
