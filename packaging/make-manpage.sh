#!/usr/bin/env bash
# Writes dnsprop(1) from the built binary's own --help, so the man page and --help
# cannot disagree:
#   packaging/make-manpage.sh BINARY OUTPUT.1
# help2man turns `dnsprop --help` into NAME, SYNOPSIS, OPTIONS and SUBCOMMANDS; every
# subcommand's `--help` (recursively: `resolvers list`, ...) is converted here into a
# subsection appended to SUBCOMMANDS. packaging/dnsprop.h2m adds what --help cannot
# say (exit status, environment, files, signals). The date comes from
# SOURCE_DATE_EPOCH when set (dpkg-buildpackage sets it from debian/changelog), so the
# page is reproducible. Needs help2man and perl (help2man's own dependency).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BINARY OUTPUT.1" >&2
  exit 64
fi
binary=$(readlink -f "$1")
output=$2
here=$(cd "$(dirname "$0")" && pwd)
[[ -x $binary ]] || { echo "make-manpage: $binary is not executable" >&2; exit 1; }
command -v help2man >/dev/null || { echo "make-manpage: help2man is not installed" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Run it as plain `dnsprop` so that the Usage: lines say "dnsprop", not the build path.
mkdir "$tmp/bin"
ln -s "$binary" "$tmp/bin/dnsprop"
export PATH="$tmp/bin:$PATH" LC_ALL=C.UTF-8 COLUMNS=80
unset DNSPROP_CONFIG DNSPROP_RESOLVERS_DIR

# The names listed under "Subcommands:" in one help text.
subcommands_of() {
  awk '/^Subcommands:$/ { on = 1; next }
       on && /^$/       { on = 0 }
       on && /^  [^ ]/  { print $1 }'
}

# CLI11 help entries: "  NAME ARGS" padded to column 30, then the text; a NAME that
# reaches column 30 is followed by a line break and the text indented to column 30.
# Section headings ("Options:", "Subcommands:") end with a colon at column 0.
# Prints the entries as .TP paragraphs; with an argument (a heading), only those of that
# section; otherwise also the description (first line), "Usage:" and the headings.
render() {
  awk -v only="${1:-}" -v col=30 '
    function flush() {
      if (tag != "" && (only == "" || section == only)) {
        print ".TP"; print "\\fB" esc(tag) "\\fR"; if (text != "") print esc(text)
      }
      tag = ""; text = ""
    }
    function trim(x) { sub(/^ +/, "", x); sub(/ +$/, "", x); return x }
    # roff: backslashes and minus signs escaped, no control character at line start.
    function esc(x) {
      gsub(/\\/, "\\e", x); gsub(/-/, "\\-", x)
      if (substr(x, 1, 1) == "." || substr(x, 1, 1) == "\047") x = "\\&" x
      return x
    }
    /^$/ { next }
    /^Usage: / {
      flush(); sub(/^Usage: /, "")
      if (only == "") { print ".PP"; print "Usage: \\fB" esc($0) "\\fR" }
      next
    }
    /^[^ ].*:$/ {
      flush(); section = $0
      if (only == "") { print ".PP"; print "\\fI" esc($0) "\\fR" }
      next
    }
    /^  [^ ]/ {
      flush()
      if (length($0) > col && substr($0, col, 1) == " ") {
        tag = trim(substr($0, 1, col)); text = trim(substr($0, col + 1))
      } else {
        tag = trim($0)
      }
      next
    }
    /^   / { text = (text == "" ? trim($0) : text " " trim($0)); next }
    { flush(); if (only == "") { print ".PP"; print esc($0) } }
    END { flush() }
  '
}

# Depth-first over the subcommand tree, in the order --help lists them.
# Arguments: the words of the command after "dnsprop" (e.g. resolvers list).
walk() {
  local sub
  printf '.SS "dnsprop %s"\n' "$*"
  dnsprop "$@" --help | render
  for sub in $(dnsprop "$@" --help | subcommands_of); do
    walk "$@" "$sub"
  done
}

{
  echo "[=OPTIONS]"
  dnsprop --help | render Options:
  echo
  echo "[=SUBCOMMANDS]"
  dnsprop --help | render Subcommands:
  for sub in $(dnsprop --help | subcommands_of); do
    walk "$sub"
  done
  echo
  sed -n '/^\[/,$p' "$here/dnsprop.h2m"  # without the comment lines above the first section
} > "$tmp/dnsprop.h2m"

version=$(dnsprop --version)
help2man --no-info --section=1 \
  --name="watch a DNS migration propagate and say when the old server may go" \
  --version-string="$version" \
  --include="$tmp/dnsprop.h2m" \
  --output="$tmp/dnsprop.1" dnsprop

# help2man writes the page even when it could not parse the help: insist on the parts
# a reader needs, so a change in the help format fails the build instead of shipping
# an empty page.
for want in '^\.SH SYNOPSIS' '^\.SH OPTIONS' '^\.SH SUBCOMMANDS' '^\.SS "dnsprop run"' \
            '^\.SH FILES' 'config\.file'; do
  grep -q "$want" "$tmp/dnsprop.1" || { echo "make-manpage: no $want in the page" >&2; exit 1; }
done
mkdir -p "$(dirname "$output")"
mv "$tmp/dnsprop.1" "$output"
