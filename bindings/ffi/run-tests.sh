#!/usr/bin/env bash
# Builds the pos-ffi cdylib (debug), generates the Python / Kotlin / Swift
# bindings into build/bindings/<lang>, and runs: the Python tests (pytest),
# the cross-language contract in Python (bindings/contract), the Kotlin tests
# on the JVM, the Swift header and symbol checks, the Python and Kotlin
# examples, then packages the library (package.sh: a platform-tagged wheel,
# a jar and POM in a local Maven repository) and tests the packages
# (test-packages.sh: the README snippets, the Python tests and contract
# against the installed wheel, the Kotlin contract against the jar). Called by
# `cargo xtask test`.
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
# setuptools >= 70.1 (its own bdist_wheel), wheel and auditwheel build and
# tag the wheel (package.sh).
if ! "$ROOT/.venv/bin/python" -c "import pytest, cryptography, auditwheel, wheel, setuptools.command.bdist_wheel" 2>/dev/null; then
    "$ROOT/.venv/bin/pip" install --quiet "pytest>=7" "cryptography>=41" "setuptools>=70.1" wheel auditwheel
fi
cp "$OUT/python/pos_ffi.py" "$PY_PKG/pos_ffi/_uniffi.py"
cp "$LIB" "$PY_PKG/pos_ffi/"
(cd "$PY_PKG" && "$ROOT/.venv/bin/python" -m pytest -q tests) | tee "$LOGS/python"

echo "== pos-ffi: the cross-language contract in Python (bindings/contract)"
(cd "$ROOT/bindings/contract/python" && PYTHONPATH="$PY_PKG" "$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider .) | tee "$LOGS/contract"

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
# The async exports (suspend functions) need kotlinx-coroutines, which the
# compiler package ships.
COROUTINES="$KOTLIN_LIB/kotlinx-coroutines-core-jvm.jar"
KT_OUT="$ROOT/build/kotlin"
mkdir -p "$KT_OUT"
# The generated bindings and the tests in one jar; the example against it.
"$KOTLINC" -nowarn -cp "$JNA:$COROUTINES" "$OUT/kotlin" bindings/ffi/kotlin/tests -d "$KT_OUT/pos-ffi-tests.jar"
KT_CP="$KT_OUT/pos-ffi-tests.jar:$KOTLIN_LIB/kotlin-stdlib.jar:$JNA:$COROUTINES"
java -Djna.library.path="$TARGET/debug" -cp "$KT_CP" pos.ffi.tests.MainKt | tee "$LOGS/kotlin"

echo "== pos-ffi: Swift header and symbols"
bash bindings/ffi/swift/generate.sh "$BINDGEN" "$LIB" "$OUT/swift"
bash bindings/ffi/swift/check.sh "$OUT/swift" "$LIB"

echo "== pos-ffi: examples"
PYTHONPATH="$PY_PKG" "$ROOT/.venv/bin/python" examples/python/ring_up.py
"$KOTLINC" -nowarn -cp "$KT_OUT/pos-ffi-tests.jar:$JNA:$COROUTINES" examples/kotlin/RingUp.kt -d "$KT_OUT/ring-up.jar"
java -Djna.library.path="$TARGET/debug" -cp "$KT_OUT/ring-up.jar:$KT_CP" RingUpKt

echo "== pos-ffi: packages (wheel, jar and POM) and their tests"
bash bindings/ffi/package.sh "$ROOT/.venv/bin/python" "$KOTLINC"
bash bindings/ffi/test-packages.sh "$KOTLINC" | tee "$LOGS/packages"

# Every suite passed (set -e stopped at the first failure): one closing line
# counting the Python and Kotlin tests, the Python contract cases, the two
# Swift checks (header compiles, every symbol exported), the two examples and
# the package checks (with the Python tests and contract run again on the
# wheel, and the Kotlin contract cases on the jar).
py_passed="$(grep -oE '[0-9]+ passed' "$LOGS/python" | tail -n 1 | cut -d' ' -f1)"
ct_passed="$(grep -oE '[0-9]+ passed' "$LOGS/contract" | tail -n 1 | cut -d' ' -f1)"
kt_passed="$(grep -E '^[0-9]+ passed, 0 failed$' "$LOGS/kotlin" | tail -n 1 | cut -d' ' -f1)"
pk_passed="$(grep -E '^packages: [0-9]+ passed, 0 failed$' "$LOGS/packages" | tail -n 1 | cut -d' ' -f2)"
echo "== pos-ffi: all binding suites passed (python ${py_passed}, contract ${ct_passed}, kotlin ${kt_passed}, swift 2, examples 2, packages ${pk_passed})"
echo "pos-ffi: $((py_passed + ct_passed + kt_passed + 4 + pk_passed)) passed, 0 failed"
