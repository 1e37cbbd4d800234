#!/usr/bin/env bash
# Checks the generated Swift artefacts without a Swift compiler: the C
# header compiles, the modulemap names it, and every function the header
# declares is exported by the library.
# Usage: check.sh <generated swift dir> <libpos_ffi.so>
set -euo pipefail
DIR="$1"
LIB="$2"
HEADER="$DIR/pos_ffiFFI.h"
MODULEMAP="$DIR/pos_ffiFFI.modulemap"
for f in "$DIR/pos_ffi.swift" "$HEADER" "$MODULEMAP"; do
    [ -s "$f" ] || { echo "missing generated file: $f" >&2; exit 1; }
done
grep -q 'header "pos_ffiFFI.h"' "$MODULEMAP" || { echo "modulemap does not name the header" >&2; exit 1; }

# Included the way a C (or Swift's Clang importer) user would include it.
printf '#include "pos_ffiFFI.h"\n' | gcc -fsyntax-only -x c -D_Nullable= -D_Nonnull= -I"$DIR" -
echo "header compiles"

declared="$(mktemp)"
exported="$(mktemp)"
trap 'rm -f "$declared" "$exported"' EXIT
# Function declarations: `<type> name(` at the start of a line.
grep -oE '^[A-Za-z_][A-Za-z0-9_ *]*[ *]((uniffi|ffi)_[A-Za-z0-9_]+)\(' "$HEADER" \
    | grep -oE '(uniffi|ffi)_[A-Za-z0-9_]+\($' | tr -d '(' | sort -u >"$declared"
nm -D --defined-only "$LIB" | awk '{print $3}' | sort -u >"$exported"
count="$(wc -l <"$declared")"
[ "$count" -gt 20 ] || { echo "found only $count declarations: header format changed?" >&2; exit 1; }
missing="$(comm -23 "$declared" "$exported")"
if [ -n "$missing" ]; then
    echo "declared in the header but not exported by the library:" >&2
    echo "$missing" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
echo "all $count declared symbols are exported"
