#!/bin/sh
# Writes the napari launcher (Sources/OmioEngine/Napari/launcher.py) into the Swift file the
# binary is built from, as one raw string literal: the shipped binary stays a single file.
# `make launcher` runs it; NapariTests fails when the two differ.
set -eu
cd "$(dirname "$0")/.."
src=Sources/OmioEngine/Napari/launcher.py
out=Sources/OmioEngine/Napari/LauncherTemplate.swift
# Inside #"""..."""# only `"""#` ends the literal and only `\#` escapes: refuse both.
if grep -q -e '"""#' -e '\\#' "$src"; then
    echo "embed-launcher: $src contains \"\"\"# or \\#, which would end or escape the Swift raw string" >&2
    exit 1
fi
tmp="$out.$$.tmp"
{
    printf '%s\n' "// Generated from launcher.py by scripts/embed-launcher.sh (\`make launcher\`); do not edit."
    printf '%s\n' "// NapariTests.embeddedLauncherIsLauncherPy fails when this differs from launcher.py."
    printf '%s\n' "extension NapariScript {"
    printf '%s\n' "    /// launcher.py, byte for byte, with @@TITLE@@, @@VERSION@@, @@MODE@@ and @@LAYERS@@ for \`render\`."
    printf '%s\n' '    static let template = #"""'
    cat "$src"
    # The literal's last line break is not part of its value: one more keeps launcher.py's own.
    printf '\n%s\n' '"""#'
    printf '%s\n' "}"
} > "$tmp"
mv "$tmp" "$out"
