#!/usr/bin/env bash
# Lays out the Swift package from the generated bindings: the Swift sources,
# the C header and its modulemap (what Xcode / SwiftPM consume next to the
# built libpos_ffi for the target platform).
# Usage: generate.sh <uniffi-bindgen> <libpos_ffi.so> <generated dir>
set -euo pipefail
BINDGEN="$1"
LIB="$2"
OUT="$3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rm -rf "$OUT"
"$BINDGEN" generate --no-format --library "$LIB" --language swift --out-dir "$OUT"
rm -rf "$HERE/Sources"
mkdir -p "$HERE/Sources/PosFFI" "$HERE/Sources/pos_ffiFFI/include"
cp "$OUT/pos_ffi.swift" "$HERE/Sources/PosFFI/"
cp "$OUT/pos_ffiFFI.h" "$HERE/Sources/pos_ffiFFI/include/"
# SwiftPM looks for module.modulemap inside include/.
cp "$OUT/pos_ffiFFI.modulemap" "$HERE/Sources/pos_ffiFFI/include/module.modulemap"
echo "Swift package sources laid out in $HERE/Sources"
