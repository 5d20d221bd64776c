import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** The parts of a GitHub Actions workflow the tests look at. */
export interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}

export interface Job {
  readonly if?: string;
  readonly "runs-on": string;
  readonly permissions?: Record<string, string>;
  readonly environment?: { readonly name: string };
  readonly env?: Record<string, string>;
  readonly steps: readonly Step[];
}

export interface Workflow {
  readonly file: string;
  readonly text: string;
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly concurrency?: { readonly group: string; readonly "cancel-in-progress": boolean };
  readonly jobs: Record<string, Job>;
}

export function readWorkflows(projectRoot: string): Workflow[] {
  const directory = path.join(projectRoot, ".github", "workflows");
  return readdirSync(directory)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(directory, file), "utf8");
      return { file, text, ...(parse(text) as Omit<Workflow, "file" | "text">) };
    });
}

/** A full commit SHA, with the release it is in a trailing comment (`# v7.0.1`) for humans and update bots. */
const pinnedAction = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/;
const releaseComment = /^v\d+\.\d+\.\d+$/;

/**
 * Every `uses:` in a workflow's text that is not pinned: tags and branches
 * move, so only a commit SHA names the code that runs. Local actions
 * (`./…`) are part of the repository and need no pin.
 */
export function unpinnedActions(text: string): string[] {
  const problems: string[] = [];
  for (const line of text.split("\n")) {
    const match = /^\s*(?:-\s+)?uses:\s*["']?([^"'\s#]+)["']?\s*(?:#\s*(\S+))?/.exec(line);
    if (!match) continue;
    const [, reference, comment] = match;
    if (reference.startsWith("./")) continue;
    if (!pinnedAction.test(reference)) problems.push(`${reference}: not pinned to a full commit SHA`);
    else if (!comment || !releaseComment.test(comment))
      problems.push(`${reference}: no "# vX.Y.Z" comment naming the pinned release`);
  }
  return problems;
}

/** Every `uses:` value of a parsed workflow (steps only: no reusable workflows here). */
export function actionReferences(workflow: Workflow): string[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.uses ? [step.uses] : [])));
}
