#!/usr/bin/env bash
# Packages pos-ffi the way each ecosystem ships a native library, from the
# size-optimised, stripped build (cargo profile `release-ffi`):
#   - build/dist/pos_ffi-<v>-py3-none-<platform>.whl: a platform-tagged Python
#     wheel (setuptools; `manylinux_2_XX` when auditwheel finds the library
#     consistent with it, else `linux_x86_64`);
#   - build/maven/dev/possdk/pos-ffi/<v>/: a local Maven repository holding
#     pos-ffi-<v>.jar (the compiled Kotlin bindings, and the library under
#     JNA's resource path `linux-x86-64/libpos_ffi.so`, so JNA finds it with
#     no -Djna.library.path) and its POM (JNA, the Kotlin standard library and
#     kotlinx-coroutines for the async calls).
# Usage: package.sh PYTHON KOTLINC  (a Python with pip, setuptools >= 70.1,
# wheel and auditwheel, and kotlinc). Needs the debug library and the in-repo
# uniffi-bindgen, as bindings/ffi/run-tests.sh builds them. Prints the sizes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="$1"
KOTLINC="$2"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
LIB="$TARGET/release-ffi/libpos_ffi.so"
BINDGEN="$TARGET/debug/uniffi-bindgen"
OUT="$ROOT/build"

STARTED=$SECONDS
echo "== pos-ffi: build (profile release-ffi: opt-level s, stripped)"
cargo build -p pos-ffi --profile release-ffi
echo "libpos_ffi.so (release-ffi): $(stat -c %s "$LIB") bytes"

# The bindings are generated from the debug build of the same source: the
# stripped library has no symbol table left for uniffi-bindgen to read its
# metadata from. The generated code checks the library's API checksums when it
# loads, so a library that does not match its bindings fails the tests.
GEN="$OUT/package/bindings"
rm -rf "$GEN"
for lang in python kotlin; do
    "$BINDGEN" generate --no-format --library "$TARGET/debug/libpos_ffi.so" --language "$lang" --out-dir "$GEN/$lang"
done

echo "== pos-ffi: Python wheel"
STAGE="$OUT/package/wheel-src"
rm -rf "$STAGE"
mkdir -p "$STAGE/pos_ffi" "$OUT/dist"
cp bindings/ffi/python/pyproject.toml bindings/ffi/python/setup.py "$STAGE/"
cp bindings/ffi/python/pos_ffi/__init__.py "$STAGE/pos_ffi/"
cp "$GEN/python/pos_ffi.py" "$STAGE/pos_ffi/_uniffi.py"
cp "$LIB" "$STAGE/pos_ffi/"
rm -f "$OUT/dist"/pos_ffi-*.whl
"$PY" -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation -w "$OUT/dist" "$STAGE"
WHEEL="$(ls "$OUT"/dist/pos_ffi-"$VERSION"-py3-none-linux_x86_64.whl)"
# manylinux: auditwheel checks the libraries and symbol versions the library
# needs; the wheel is then retagged with the policy it names.
# The glibc symbol versions of the build machine set the policy (Debian 12,
# glibc 2.36: manylinux_2_34); an older glibc needs a build in a manylinux
# image. A failing auditwheel fails the packaging.
if "$PY" -c "import auditwheel, wheel" 2>/dev/null; then
    "$PY" -m auditwheel show "$WHEEL" 2>/dev/null > "$OUT/package/auditwheel.txt"
    # (auditwheel wraps its lines: joined with spaces before matching.)
    policy="$(tr -s '\n ' '  ' < "$OUT/package/auditwheel.txt" | grep -oE 'consistent with the following platform tag: "manylinux_[0-9]+_[0-9]+_x86_64"' | grep -oE 'manylinux_[0-9]+_[0-9]+_x86_64' || true)"
    if [ -n "$policy" ]; then
        "$PY" -m wheel tags --remove --platform-tag "$policy" "$WHEEL" >/dev/null
        WHEEL="$(ls "$OUT"/dist/pos_ffi-"$VERSION"-py3-none-"$policy".whl)"
    else
        echo "note: auditwheel finds no manylinux policy the library meets: the wheel keeps the tag linux_x86_64"
        cat "$OUT/package/auditwheel.txt"
    fi
else
    echo "note: auditwheel not installed: the wheel keeps the tag linux_x86_64"
fi
echo "wheel: $(basename "$WHEEL"), $(stat -c %s "$WHEEL") bytes"

echo "== pos-ffi: JVM jar and POM in a local Maven repository"
JNA=/usr/share/java/jna.jar
JNA_VERSION="$(basename "$(readlink -f "$JNA")" .jar)"
JNA_VERSION="${JNA_VERSION#jna-}"
KOTLIN_VERSION="$("$KOTLINC" -version 2>&1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)"
# The async exports need kotlinx-coroutines (shipped with the compiler).
COROUTINES="$(cd "$(dirname "$KOTLINC")/../lib" && pwd)/kotlinx-coroutines-core-jvm.jar"
COROUTINES_VERSION="$(python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("META-INF/kotlinx_coroutines_core.version").decode().strip())' "$COROUTINES")"
CLASSES="$OUT/package/jar"
rm -rf "$CLASSES"
mkdir -p "$CLASSES/linux-x86-64"
"$KOTLINC" -nowarn -cp "$JNA:$COROUTINES" "$GEN/kotlin" -d "$CLASSES"
cp "$LIB" "$CLASSES/linux-x86-64/"
REPO="$OUT/maven"
DIR="$REPO/dev/possdk/pos-ffi/$VERSION"
rm -rf "$REPO/dev/possdk/pos-ffi"
mkdir -p "$DIR"
sed -e "s/@VERSION@/$VERSION/" -e "s/@JNA_VERSION@/$JNA_VERSION/" -e "s/@KOTLIN_VERSION@/$KOTLIN_VERSION/" \
    -e "s/@COROUTINES_VERSION@/$COROUTINES_VERSION/" \
    bindings/ffi/kotlin/pom.xml.in > "$DIR/pos-ffi-$VERSION.pom"
mkdir -p "$CLASSES/META-INF/maven/dev.possdk/pos-ffi"
cp "$DIR/pos-ffi-$VERSION.pom" "$CLASSES/META-INF/maven/dev.possdk/pos-ffi/pom.xml"
jar --create --file "$DIR/pos-ffi-$VERSION.jar" -C "$CLASSES" .
for f in "$DIR"/*.jar "$DIR"/*.pom; do
    sha1sum "$f" | cut -d' ' -f1 > "$f.sha1"
done
cat > "$REPO/dev/possdk/pos-ffi/maven-metadata-local.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>dev.possdk</groupId>
  <artifactId>pos-ffi</artifactId>
  <versioning>
    <release>$VERSION</release>
    <versions><version>$VERSION</version></versions>
  </versioning>
</metadata>
EOF
echo "jar: $DIR/pos-ffi-$VERSION.jar, $(stat -c %s "$DIR/pos-ffi-$VERSION.jar") bytes (JNA $JNA_VERSION, Kotlin $KOTLIN_VERSION, coroutines $COROUTINES_VERSION)"
echo "packaging took $((SECONDS - STARTED)) s (the release-ffi build included)"
