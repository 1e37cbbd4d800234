#!/usr/bin/env bash
# Copies the package's own files (entry points, error classes, types) from
# pkg-src into a wasm-bindgen output folder that has web/ and node/.
# The CommonJS error classes and fetch transport are made from their one
# ESM source (errors.js, transport.js): `export ` dropped, a
# `module.exports` of the exported names appended.
# usage: assemble-pkg.sh <pkg-src> <pkg>
set -euo pipefail
SRC="$1"
PKG="$2"
cp "$SRC/package.json" "$SRC/README.md" "$PKG/"
cp "$SRC/web-index.js" "$PKG/web/index.js"
cp "$SRC/web-index.d.ts" "$PKG/web/index.d.ts"
cp "$SRC/errors.js" "$SRC/errors.d.ts" "$SRC/transport.js" "$SRC/transport.d.ts" "$SRC/idb-store.js" "$SRC/idb-store.d.ts" "$PKG/web/"
cp "$SRC/node-index.cjs" "$PKG/node/index.cjs"
cp "$SRC/node-index.d.cts" "$PKG/node/index.d.cts"
cp "$SRC/node-index.mjs" "$PKG/node/index.mjs"
cp "$SRC/node-index.d.mts" "$PKG/node/index.d.mts"
cp "$SRC/errors.d.ts" "$PKG/node/errors.d.cts"
cp "$SRC/transport.d.ts" "$PKG/node/transport.d.cts"
for m in errors transport; do
    names=$(sed -n 's/^export \(class\|function\) \([A-Za-z]*\).*/\2/p' "$SRC/$m.js" | paste -sd, -)
    {
        echo '"use strict";'
        sed 's/^export //' "$SRC/$m.js"
        echo "module.exports = { $names };"
    } > "$PKG/node/$m.cjs"
done
