import { defineConfig } from "vitest/config";

// Tests import packages by name; the "tend-source" condition resolves them to
// their TypeScript sources so a test never runs against a stale build.
export default defineConfig({
  resolve: { conditions: ["tend-source"] },
  ssr: { resolve: { conditions: ["tend-source"] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts"],
          testTimeout: 60_000,
          // A suite's clean-up (thousands of temp dirs of a property test) can outlast 10 s on a loaded machine.
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "hosts",
          include: ["test/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
