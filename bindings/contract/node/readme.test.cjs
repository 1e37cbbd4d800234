// The JavaScript snippets of the root README and of the npm package's README
// are the very file the package's own test runs (pkg-src/test/readme-snippet.mjs,
// run by readme.test.mjs): a change to one without the others fails here.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "../../..");

function jsBlocks(file) {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  return [...text.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

test("the README snippets are the snippet the package test runs", () => {
  const snippet = fs.readFileSync(path.join(ROOT, "bindings/wasm/pkg-src/test/readme-snippet.mjs"), "utf8");
  for (const file of ["README.md", "bindings/wasm/pkg-src/README.md"]) {
    const blocks = jsBlocks(file);
    assert.equal(blocks.length, 1, `${file}: one js block`);
    assert.equal(blocks[0], snippet, `${file}: its js block differs from readme-snippet.mjs`);
  }
});
