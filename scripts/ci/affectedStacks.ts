/**
 * git diff --name-only <base>...HEAD | npm run -s ci:affected-stacks
 *
 * Prints, as one JSON array, the committed stacks a pull request's changes
 * can alter and that CI previews against the real backend: stacks whose
 * target is not Docker (Docker stacks are previewed as review stacks).
 * Used by .github/workflows/preview.yml to build its matrix.
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { readStackFile } from "../../config/stackFile";
import { exitWhenFlushed } from "../lib/exit";

export interface CommittedStack {
  readonly name: string;
  readonly target: string;
}

/** Paths that never change what a stack deploys. */
const inert = [/\.md$/, /^test\//, /^bench\//, /^\.github\//, /^\.ci\//, /^\.gitignore$/, /^LICENSE/];

/**
 * A change to `Pulumi.<stack>.yaml` affects that stack only; documentation,
 * tests and CI files affect none; anything else (code, sql/, policy/,
 * Pulumi.yaml, packages) affects every previewed stack.
 */
export function affectedStacks(changedFiles: readonly string[], stacks: readonly CommittedStack[]): string[] {
  const previewed = stacks.filter((stack) => stack.target !== "docker").map((stack) => stack.name);
  const affected = new Set<string>();
  for (const file of changedFiles.map((line) => line.trim()).filter(Boolean)) {
    const stackFile = /^Pulumi\.(.+)\.yaml$/.exec(file);
    if (stackFile) {
      if (previewed.includes(stackFile[1])) affected.add(stackFile[1]);
    } else if (!inert.some((pattern) => pattern.test(file))) {
      previewed.forEach((stack) => affected.add(stack));
    }
  }
  return previewed.filter((stack) => affected.has(stack));
}

export function committedStacks(projectRoot: string): CommittedStack[] {
  return readdirSync(projectRoot)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort()
    .map((name) => ({
      name,
      target: readStackFile(path.join(projectRoot, `Pulumi.${name}.yaml`)).config["pgplat:target"] ?? "unset",
    }));
}

if (require.main === module) {
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk: string) => (input += chunk));
  process.stdin.on("end", () => {
    process.stdout.write(
      `${JSON.stringify(affectedStacks(input.split("\n"), committedStacks(path.resolve(__dirname, "..", ".."))))}\n`,
    );
    exitWhenFlushed(0);
  });
}
