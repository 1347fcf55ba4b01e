// Write the licence texts of every npm package that esbuild put into a bundle (the editor's,
// the widgets').
// Usage: node scripts/editor/licenses.mjs META_JSON OUT_FILE
// META_JSON is esbuild's --metafile; a package counts when it gave the output any bytes.
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";

const [metaPath, outPath] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(metaPath, "utf8"));
const packages = new Set();
for (const output of Object.values(meta.outputs)) {
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (match && bytesInOutput > 0) packages.add(match[1]);
  }
}

const sections = [...packages].sort().map((name) => {
  const dir = join("node_modules", name);
  const { version, license } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e)(\.(md|txt))?$/i.test(f));
  // The @jupyter-widgets and @lumino packages ship without one: their repositories' are
  // kept in scripts/widgets/licenses (see its README).
  const scope = name.match(/^@(jupyter-widgets|lumino)\//);
  const own = scope ? `scripts/widgets/licenses/${scope[1]}.txt` : null;
  if (!file && !own) throw new Error(`${name} ships no LICENSE file`);
  const text = readFileSync(file ? join(dir, file) : own, "utf8").trim();
  return `${name} ${version} (${license})\n${"-".repeat(40)}\n${text}\n`;
});

const [bundle, { entryPoint }] = Object.entries(meta.outputs).find(([, o]) => o.entryPoint);
const header =
  `${basename(bundle)} is Shopfloor's ${entryPoint} (Apache-2.0) bundled with the npm\n` +
  "packages below, whose licences follow.";
writeFileSync(outPath, [header, ...sections].join("\n\n"));
console.log(`licences of ${sections.length} packages written to ${outPath}`);
