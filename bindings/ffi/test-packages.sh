#!/usr/bin/env bash
# Tests the packages bindings/ffi/package.sh made, as an app developer gets
# them:
#   - the wheel, pip-installed into a fresh venv (no index, no PYTHONPATH,
#     nothing of the source tree on the path): platform-tagged, imported from
#     site-packages, its library the stripped release-ffi build; the root
#     README's Python snippet rings up a sale with it, then (pytest and
#     cryptography added to that venv) the Python tests and the Python
#     contract run against it, copied out of the source tree;
#   - the jar of the local Maven repository: the library at JNA's resource
#     path, a POM naming JNA's version; bindings/ffi/README.md's Kotlin
#     snippet and the Kotlin contract compiled against the jar alone and run
#     with no -Djna.library.path and no LD_LIBRARY_PATH, JNA's load log
#     showing the library came out of the jar.
# Usage: test-packages.sh KOTLINC. POS_BIN: the `pos` binary of the sync tests
# (default: the debug build). Ends with `packages: N passed, 0 failed`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
KOTLINC="$1"
KOTLIN_LIB="$(cd "$(dirname "$KOTLINC")/../lib" && pwd)"
JNA=/usr/share/java/jna.jar
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BUILT="$TARGET/release-ffi/libpos_ffi.so"
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
export POS_BIN="${POS_BIN:-$TARGET/debug/pos}"
if [ ! -x "$POS_BIN" ]; then
    echo "FAIL POS_BIN ($POS_BIN) is not the pos binary: cargo build -p pos-cli" >&2
    exit 1
fi
# Nothing of the caller's environment may lead Python or JNA to the source
# tree or to another copy of the library.
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONUSERBASE VIRTUAL_ENV LD_LIBRARY_PATH
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
passed=0
ok() {
    passed=$((passed + 1))
    echo "ok   $1"
}

echo "== packages: the wheel in a fresh venv"
WHEEL="$(ls "$ROOT"/build/dist/pos_ffi-"$VERSION"-py3-none-*.whl)"
case "$(basename "$WHEEL")" in
    *-py3-none-manylinux_*_x86_64.whl | *-py3-none-linux_x86_64.whl) ok "wheel tagged for its platform: $(basename "$WHEEL"), $(stat -c %s "$WHEEL") bytes" ;;
    *) echo "FAIL wheel tag: $(basename "$WHEEL")" >&2; exit 1 ;;
esac
python3 -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
"$VPY" -m pip install --quiet --disable-pip-version-check --no-index --no-deps "$WHEEL"
where="$(cd "$WORK" && "$VPY" -c 'import pos_ffi; print(pos_ffi.__file__)')"
case "$where" in
    "$WORK"/venv/lib/*/site-packages/pos_ffi/__init__.py) ok "pip-installed and imported from site-packages" ;;
    *) echo "FAIL pos_ffi imported from $where" >&2; exit 1 ;;
esac
SO="$(dirname "$where")/libpos_ffi.so"
if readelf -S "$SO" | grep -qE '\.symtab|\.debug_'; then
    echo "FAIL $SO keeps a symbol table or debug info" >&2
    exit 1
fi
cmp "$SO" "$BUILT"
ok "its library is the stripped release-ffi build ($(stat -c %s "$SO") bytes)"
python3 bindings/contract/snippets.py README.md python > "$WORK/readme_snippet.py"
out="$(cd "$WORK" && "$VPY" readme_snippet.py)"
echo "$out"
grep -qE '^ticket T1 signed .{4}$' <<< "$out"
ok "the README's Python snippet rings up a sale with the installed wheel"

echo "== packages: the Python tests and contract against the installed wheel"
"$VPY" -m pip install --quiet --disable-pip-version-check "pytest>=7" "cryptography>=41"
# Copies: no pyproject.toml `pythonpath` and no source directory next to them.
cp -r bindings/ffi/python/tests "$WORK/tests"
mkdir -p "$WORK/contract/python"
cp bindings/contract/cases.json "$WORK/contract/"
cp bindings/contract/python/test_contract.py "$WORK/contract/python/"
(cd "$WORK" && "$VPY" -m pytest -q -p no:cacheprovider tests contract/python) | tee "$WORK/pytest.txt"
py="$(grep -oE '[0-9]+ passed' "$WORK/pytest.txt" | tail -n 1 | cut -d' ' -f1)"

echo "== packages: the jar of the local Maven repository"
DIR="$ROOT/build/maven/dev/possdk/pos-ffi/$VERSION"
JAR="$DIR/pos-ffi-$VERSION.jar"
JNA_VERSION="$(basename "$(readlink -f "$JNA")" .jar)"
JNA_VERSION="${JNA_VERSION#jna-}"
jar --list --file "$JAR" > "$WORK/jar.txt"
grep -qx 'linux-x86-64/libpos_ffi.so' "$WORK/jar.txt"
grep -qx 'uniffi/pos_ffi/Register.class' "$WORK/jar.txt"
python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("linux-x86-64/libpos_ffi.so"))' "$JAR" > "$WORK/jar-lib.so"
cmp "$WORK/jar-lib.so" "$BUILT"
ok "the jar ($(stat -c %s "$JAR") bytes) holds the bindings and the release-ffi build as linux-x86-64/libpos_ffi.so"
tr -d ' \n' < "$DIR/pos-ffi-$VERSION.pom" | grep -q "<groupId>net.java.dev.jna</groupId><artifactId>jna</artifactId><version>$JNA_VERSION</version>"
[ "$(sha1sum "$JAR" | cut -d' ' -f1)" = "$(cat "$JAR.sha1")" ]
[ "$(sha1sum "$DIR/pos-ffi-$VERSION.pom" | cut -d' ' -f1)" = "$(cat "$DIR/pos-ffi-$VERSION.pom.sha1")" ]
ok "the POM depends on net.java.dev.jna:jna:$JNA_VERSION; checksums match"
# Only the jar and what its POM names (JNA, kotlin-stdlib, kotlinx-coroutines):
# no jna.library.path. JNA logs where it loaded the library from
# (jna.debug_load) and extracts it into this run's folder (jna.tmpdir).
COROUTINES="$KOTLIN_LIB/kotlinx-coroutines-core-jvm.jar"
CP="$JAR:$JNA:$COROUTINES:$KOTLIN_LIB/kotlin-stdlib.jar"
JAVA_OPTS=(-Djna.debug_load=true "-Djna.tmpdir=$WORK/jna")
from_jar() {
    grep -qF "Found library resource at jar:file:$JAR!/linux-x86-64/libpos_ffi.so" "$1" || {
        echo "FAIL JNA did not load libpos_ffi.so from the jar:" >&2
        cat "$1" >&2
        exit 1
    }
}
python3 bindings/contract/snippets.py bindings/ffi/README.md kotlin > "$WORK/ReadmeSnippet.kt"
"$KOTLINC" -nowarn -cp "$JAR:$JNA:$COROUTINES" "$WORK/ReadmeSnippet.kt" -d "$WORK/snippet.jar"
out="$(cd "$WORK" && java "${JAVA_OPTS[@]}" -cp "$WORK/snippet.jar:$CP" ReadmeSnippetKt 2> "$WORK/jna-snippet.log")" || {
    cat "$WORK/jna-snippet.log" >&2
    exit 1
}
echo "$out"
grep -qE '^ticket T1 signed .{4}$' <<< "$out"
from_jar "$WORK/jna-snippet.log"
ok "the Kotlin snippet of bindings/ffi/README.md runs against the jar alone (JNA loaded the library from the jar)"

echo "== packages: the contract suite in Kotlin, against the jar alone"
"$KOTLINC" -nowarn -cp "$JAR:$JNA:$COROUTINES" bindings/contract/kotlin/Contract.kt -d "$WORK/contract.jar"
if ! (cd "$WORK" && java "${JAVA_OPTS[@]}" -cp "$WORK/contract.jar:$CP" pos.contract.ContractKt "$ROOT/bindings/contract/cases.json" 2> "$WORK/jna-contract.log") | tee "$WORK/contract.txt"; then
    cat "$WORK/jna-contract.log" >&2
    exit 1
fi
from_jar "$WORK/jna-contract.log"
kt="$(grep -E '^[0-9]+ passed, 0 failed' "$WORK/contract.txt" | tail -n 1 | cut -d' ' -f1)"
echo "== packages: ${passed} checks, ${py} Python tests and contract cases against the wheel, ${kt} Kotlin contract cases against the jar passed"
echo "packages: $((passed + py + kt)) passed, 0 failed"
