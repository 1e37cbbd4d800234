#!/usr/bin/env bash
# Builds the pos-ffi cdylib (debug), generates the Python / Kotlin / Swift
# bindings into build/bindings/<lang>, and runs: the Python tests (pytest),
# the Kotlin tests on the JVM, the Swift header and symbol checks, and the
# Python and Kotlin examples. Called by `cargo xtask test`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
LIB="$TARGET/debug/libpos_ffi.so"
BINDGEN="$TARGET/debug/uniffi-bindgen"
OUT="$ROOT/build/bindings"
PY_PKG="$ROOT/bindings/ffi/python"
# Each suite's output is kept to count what passed for the closing line.
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT

echo "== pos-ffi: build (debug)"
# Two invocations: building them together would unify uniffi's `cli` feature
# into the library.
cargo build -p pos-ffi
cargo build -p uniffi-bindgen
# The real sync server the Python sync tests talk to over 127.0.0.1.
cargo build -p pos-cli
export POS_BIN="$TARGET/debug/pos"

echo "== pos-ffi: generate bindings"
for lang in python kotlin; do
    rm -rf "${OUT:?}/$lang"
    "$BINDGEN" generate --no-format --library "$LIB" --language "$lang" --out-dir "$OUT/$lang"
done

echo "== pos-ffi: Python tests"
if [ ! -x "$ROOT/.venv/bin/python" ]; then
    python3 -m venv "$ROOT/.venv"
fi
if ! "$ROOT/.venv/bin/python" -c "import pytest, cryptography" 2>/dev/null; then
    "$ROOT/.venv/bin/pip" install --quiet "pytest>=7" "cryptography>=41"
fi
cp "$OUT/python/pos_ffi.py" "$PY_PKG/pos_ffi/_uniffi.py"
cp "$LIB" "$PY_PKG/pos_ffi/"
(cd "$PY_PKG" && "$ROOT/.venv/bin/python" -m pytest -q tests) | tee "$LOGS/python"

echo "== pos-ffi: Kotlin tests"
JNA=/usr/share/java/jna.jar
if [ ! -f "$JNA" ]; then
    echo "JNA is missing: run  apt-get install -y libjna-java" >&2
    exit 1
fi
TOOLS="$ROOT/build/tools"
KOTLINC="$TOOLS/node_modules/kotlin-compiler/bin/kotlinc"
if [ ! -x "$KOTLINC" ]; then
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --silent kotlin-compiler@2.4.20
fi
KOTLIN_LIB="$TOOLS/node_modules/kotlin-compiler/lib"
KT_OUT="$ROOT/build/kotlin"
mkdir -p "$KT_OUT"
# The generated bindings and the tests in one jar; the example against it.
"$KOTLINC" -nowarn -cp "$JNA" "$OUT/kotlin" bindings/ffi/kotlin/tests -d "$KT_OUT/pos-ffi-tests.jar"
KT_CP="$KT_OUT/pos-ffi-tests.jar:$KOTLIN_LIB/kotlin-stdlib.jar:$JNA"
java -Djna.library.path="$TARGET/debug" -cp "$KT_CP" pos.ffi.tests.MainKt | tee "$LOGS/kotlin"

echo "== pos-ffi: Swift header and symbols"
bash bindings/ffi/swift/generate.sh "$BINDGEN" "$LIB" "$OUT/swift"
bash bindings/ffi/swift/check.sh "$OUT/swift" "$LIB"

echo "== pos-ffi: examples"
PYTHONPATH="$PY_PKG" "$ROOT/.venv/bin/python" examples/python/ring_up.py
"$KOTLINC" -nowarn -cp "$KT_OUT/pos-ffi-tests.jar:$JNA" examples/kotlin/RingUp.kt -d "$KT_OUT/ring-up.jar"
java -Djna.library.path="$TARGET/debug" -cp "$KT_OUT/ring-up.jar:$KT_CP" RingUpKt

# Every suite passed (set -e stopped at the first failure): one closing line
# counting the Python and Kotlin tests, the two Swift checks (header compiles,
# every symbol exported) and the two examples.
py_passed="$(grep -oE '[0-9]+ passed' "$LOGS/python" | tail -n 1 | cut -d' ' -f1)"
kt_passed="$(grep -E '^[0-9]+ passed, 0 failed$' "$LOGS/kotlin" | tail -n 1 | cut -d' ' -f1)"
echo "== pos-ffi: all binding suites passed (python ${py_passed}, kotlin ${kt_passed}, swift 2, examples 2)"
echo "pos-ffi: $((py_passed + kt_passed + 4)) passed, 0 failed"
