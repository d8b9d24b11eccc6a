import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  // examples/ are not workspace packages: their imports resolve only after their own npm install.
  { ignores: ["**/dist/**", "**/node_modules/**", "**/coverage/**", "examples/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-namespace": "off",
      "require-yield": "off",
      // Decision 1 of docs/architecture.md: time only through Effect (Clock, sleep, Schedule).
      "no-restricted-properties": ["error",
        { object: "Date", property: "now", message: "Read time through Effect's Clock." }],
      "no-restricted-globals": ["error",
        { name: "setTimeout", message: "Use Effect.sleep / Schedule." },
        { name: "setInterval", message: "Use Schedule / Effect.repeat." }]
    }
  },
  {
    // The SignalR adapter and benchmarks measure or bridge real time.
    files: ["packages/realtime/src/internal/signalr*.ts", "**/bench/**", "**/*.integration.test.ts"],
    rules: { "no-restricted-properties": "off", "no-restricted-globals": "off" }
  }
)
