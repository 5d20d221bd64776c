import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A private TMPDIR per run, checked empty at the end; files' scratch directories go after each file.
    globalSetup: ["test/support/runTempDir.ts"],
    setupFiles: ["test/support/afterEachFile.ts"],
    // Integration tests boot real servers; they bound their own waits.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: run files one at a time so real servers do not starve each other.
    fileParallelism: false,
    reporters: ["default"],
  },
});
