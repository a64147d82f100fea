#!/usr/bin/env python3
"""Checks that every metric, config key and command-line flag the docs name exists.

Run by tests/cli/docs_vs_code.sh. Everything is checked black-box against the built
binary, never against src/:

- metrics: every `dnsprop_*` name in README.md and docs/*.md must be a family of a
  /metrics scrape of a running monitor (--metrics FILE, taken by the shell test);
- config keys: every key of the docs/CONFIG.md key tables, and every `section.key` or
  `[section] key` reference in any doc, must be accepted by `dnsprop --config.check`
  (a key is missing when the loader calls it an unknown key);
- flags: every `--flag` of a `dnsprop` command line in the docs must appear in the
  --help of dnsprop or of one of its subcommands (found recursively from --help).

Prints one `FILE:LINE: KIND NAME: not in the code` line per mismatch and a summary of how
many distinct names of each kind were checked. Exit status: 0 all found, 1 a mismatch or
a kind with nothing to check, 2 usage or a broken environment.
"""

import argparse
import copy
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections import defaultdict
from pathlib import Path

# Names that look like metrics but are not exported on purpose, with the reason.
NOT_METRICS = {
    "dnsprop_core",  # the CMake library target (docs/ARCHITECTURE.md), not a metric
    # Exported only once a web server presented a certificate: the scrape here has none
    # (tests/unit/http/monitor_metrics_test.cc asserts the series).
    "dnsprop_web_cert_expiry_timestamp_seconds",
    # Likewise once a mail server completed STARTTLS (monitor_metrics_test.cc again).
    "dnsprop_mail_cert_expiry_timestamp_seconds",
}

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

# Docs about dnsprop's own commands: a code span that is only a flag (`--url`) is a
# dnsprop flag there. Elsewhere a flag counts only on a dnsprop command line, since the
# docs also show flags of promtool, cmake, systemctl, dpkg, prometheus, ...
COMMAND_DOCS = {"docs/CLI.md", "docs/VERDICT.md"}

# Config sections as docs refer to them (`monitor.interval`, `[web] listen`, `old.ns`),
# mapped to their path in the config.
SECTION_PATHS = {
    "monitor": ("monitor",),
    "web": ("web",),
    "resolvers": ("resolvers",),
    "migration": ("migration",),
    "migration.old": ("migration", "old"),
    "migration.new": ("migration", "new"),
    "old": ("migration", "old"),
    "new": ("migration", "new"),
}

# The smallest valid config; a key is tested by setting it at its path in a copy of this.
# Lists stand for arrays of tables: a path goes through their first element.
BASE_CONFIG = {
    "resolvers": {"extra": [{"address": "127.0.0.1:9"}]},
    "migration": [{
        "domain": "shop.example.test",
        "old": {"addresses": ["192.0.2.10"]},
        "new": {"addresses": ["198.51.100.20"]},
    }],
}

# A value for a key whose documented default is not a TOML value ("none", "required"):
# the first of these words found in its documented type picks it. The value only has to
# be of the right kind; the loader may still reject it for another reason.
SAMPLE_BY_TYPE = [
    ("date-time", "2026-11-20T01:00:00Z"),
    ("duration", "1h"),
    ("boolean", True),
    ("integer", 1),
    ("number", 1.5),
    ("array of tables", [{}]),
    ("array", []),
    ("table", {}),
]
SAMPLE_DEFAULT = "x"  # strings, paths, URLs and whatever else

CODE_SPAN = re.compile(r"(`+)(.+?)\1")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*(?!\w)")
# Not preceded or followed by ':' (recording rules such as domain:dnsprop_verdict_code:max)
# nor followed by '*' (the pattern `dnsprop_*`); a digit after the prefix is a file name.
METRIC = re.compile(r"(?<![\w:])dnsprop_[a-z][a-z0-9_]*(?![\w:*])")
KEY_REF = re.compile(r"^(?:\[(?P<bracketed>[a-z.]+)\] |(?P<dotted>[a-z]+(?:\.old|\.new)?)\.)"
                     r"(?P<key>[a-z_]+)(?=$|[\s/=])")
SHELL_SEPARATORS = re.compile(r"&&|\|\||[|;]|\$\(")


def die(message):
    print(f"docs_vs_code: {message}", file=sys.stderr)
    sys.exit(2)


def doc_files(root):
    """README.md and docs/*.md, as (path relative to root, lines)."""
    paths = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    return [(str(p.relative_to(root)), p.read_text(encoding="utf-8").splitlines()) for p in paths]


def markdown_parts(lines):
    """Yields (line number, text, is_code) for each line: code lines are the lines of
    fenced and indented code blocks; other lines are prose."""
    fence = None
    previous_blank = True
    for number, line in enumerate(lines, 1):
        stripped = line.lstrip()
        if fence:
            if stripped.startswith(fence):
                fence = None
            else:
                yield number, line, True
        elif stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif previous_blank and line.startswith("    ") and stripped:
            yield number, line, True  # indented code block (stays code until a blank line)
            continue
        else:
            yield number, line, False
        previous_blank = not stripped


def code_spans(text):
    return [m.group(2).strip() for m in CODE_SPAN.finditer(text)]


# --- metrics ---------------------------------------------------------------------------

def exported_metrics(path):
    """Families of a /metrics scrape: `# TYPE` names and sample names."""
    names = set()
    for line in Path(path).read_text().splitlines():
        if line.startswith("# TYPE "):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names


def check_metrics(docs, metrics_file):
    exported = exported_metrics(metrics_file)
    if not any(n.startswith("dnsprop_") for n in exported):
        die(f"no dnsprop_ metric in {metrics_file}")

    def exists(name):
        return name in exported or any(
            name.endswith(s) and name[: -len(s)] in exported for s in HISTOGRAM_SUFFIXES)

    checked, missing = set(), []
    for path, lines in docs:
        for number, line in enumerate(lines, 1):
            for name in METRIC.findall(line):
                if name in NOT_METRICS:
                    continue
                checked.add(name)
                if not exists(name):
                    missing.append((path, number, "metric", name))
    return checked, missing


# --- config keys -----------------------------------------------------------------------

def table_cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def named_sections(text):
    """Sections named in text as `[monitor]` or `[[migration]]`, as config paths."""
    return [tuple(s.split(".")) for s in re.findall(r"`\[\[?([a-z.]+)\]\]?`", text)]


def config_table_keys(lines):
    """Keys of the docs/CONFIG.md key tables as (line, path, key, sample value).

    A `##`/`###` heading names the sections its tables document (`[monitor]`,
    `[migration.old]` and `[migration.new]`, ...); a table whose first column is `key`
    lists keys of those sections, or of the tables in array X when the line before it
    says "An `X` table has these keys". A key cell may narrow the sections
    (`stop_date` (`[migration.old]` only))."""
    sections, paragraph, columns, out = [], "", None, []
    for number, line, is_code in markdown_parts(lines):
        if is_code:
            continue
        heading = re.match(r"#{2,3} (.*)", line)
        if heading:
            sections, paragraph = named_sections(heading.group(1)), ""
            continue
        if not line.startswith("|"):
            columns = None
            if line.strip():
                paragraph = line
            continue
        cells = table_cells(line)
        if columns is None:  # a table's header row
            columns = cells
            element = re.search(r"`(\w+)` table has these keys", paragraph)
            paths = [s + (element.group(1),) for s in sections] if element else sections
            continue
        if columns[0] != "key" or set(line) <= set("|-: "):
            continue
        key = code_spans(cells[0])[0]
        info = dict(zip(columns, cells))
        value = sample_value(info.get("default", ""), info.get("type", ""))
        only = named_sections(cells[0])
        out += [(number, path, key, value) for path in paths if not only or path in only]
    return out


def sample_value(default, documented_type):
    """The documented default when it is a TOML value, else a sample of the type."""
    try:
        return tomllib.loads("v = " + default.strip("`"))["v"]
    except tomllib.TOMLDecodeError:
        pass
    for word, value in SAMPLE_BY_TYPE:
        if word in documented_type:
            return value
    return SAMPLE_DEFAULT


def key_references(lines):
    """`monitor.tcp_only`, `[web] listen`, `old.ns`, ... as (line, path, key)."""
    out = []
    for number, line, is_code in markdown_parts(lines):
        for span in [] if is_code else code_spans(line):
            m = KEY_REF.match(span)
            section = m and (m.group("bracketed") or m.group("dotted"))
            if section in SECTION_PATHS:
                out.append((number, SECTION_PATHS[section], m.group("key")))
    return out


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return repr(v)


def toml_text(table, prefix=""):
    """TOML for nested dicts: a dict value is a [table], a list at the top level an
    [[array of tables]] (the list of migrations); other values are inline."""
    plain = [f"{k} = {toml_value(v)}" for k, v in table.items()
             if not isinstance(v, dict) and not (prefix == "" and isinstance(v, list))]
    out = "\n".join(plain) + "\n" if plain else ""
    for k, v in table.items():
        name = prefix + k
        if isinstance(v, dict):
            out += f"[{name}]\n" + toml_text(v, name + ".")
        elif prefix == "" and isinstance(v, list):
            for element in v:
                out += f"[[{name}]]\n" + toml_text(element, name + ".")
    return out


def config_with(keys):
    """BASE_CONFIG with every (path, key, value) of keys set."""
    config = copy.deepcopy(BASE_CONFIG)
    for path, key, value in keys:
        table = config
        for part in path:
            table = table.setdefault(part, {})
            if isinstance(table, list):
                table = table[0]
        if not (isinstance(value, dict) and isinstance(table.get(key), dict)):
            table[key] = value  # a sub-table the base has already stays as it is
    return toml_text(config)


class ConfigChecker:
    """Runs `dnsprop --config.check` on generated files and tells unknown keys apart."""

    def __init__(self, dnsprop, folder):
        self.dnsprop = dnsprop
        self.file = Path(folder) / "dnsprop.toml"

    def error(self, keys):
        """The loader's message for a config with these keys set, or None when valid."""
        self.file.write_text(config_with(keys))
        run = subprocess.run([self.dnsprop, "--config.file", str(self.file), "--config.check"],
                             capture_output=True, text=True)
        return None if run.returncode == 0 else (run.stderr + run.stdout).strip()

    def unknown(self, keys):
        """The subset of keys (path, key, value) the loader does not know.

        Sets them all at once and drops each key the loader calls unknown until it
        accepts the rest; should another error stop the load first (it might hide an
        unknown key behind it), tries each remaining key alone."""
        keys, unknown = list(keys), []
        while keys:
            error = self.error(keys)
            if error is None:
                break
            named = [k for k in keys if is_unknown(k, error)]
            if not named:
                unknown += [k for k in keys if is_unknown(k, self.error([k]))]
                break
            unknown.append(named[0])
            keys.remove(named[0])
        return unknown


def is_unknown(key, error):
    """The loader's error says the key, or a table on its path, is unknown."""
    path, name, _ = key
    return error is not None and any(f'unknown key "{n}"' in error for n in path + (name,))


def check_keys(docs, dnsprop, folder):
    places = defaultdict(list)  # (path, key) -> doc locations
    samples = {}
    for path, lines in docs:
        if path == "docs/CONFIG.md":
            for number, section, key, value in config_table_keys(lines):
                places[section, key].append((path, number))
                samples.setdefault((section, key), value)
        for number, section, key in key_references(lines):
            places[section, key].append((path, number))
    # Referenced keys without a row get a string: enough to tell "unknown" from the rest.
    batches = defaultdict(list)
    for section, key in places:
        batches[section].append((section, key, samples.get((section, key), SAMPLE_DEFAULT)))
    checker = ConfigChecker(dnsprop, folder)
    missing = []
    for batch in batches.values():
        for section, key, _ in checker.unknown(batch):
            name = ".".join(section + (key,))
            missing += [(path, number, "key", name) for path, number in places[section, key]]
    return {".".join(s + (k,)) for s, k in places}, missing


# --- flags -----------------------------------------------------------------------------

def help_flags(dnsprop):
    """(every --flag of dnsprop and its subcommands, the top-level subcommand names)."""
    flags, top = set(), []
    pending = [[]]
    while pending:
        command = pending.pop()
        text = subprocess.run([dnsprop, *command, "--help"], capture_output=True,
                              text=True, check=True).stdout
        section = None
        for line in text.splitlines():
            if re.match(r"\S.*:$", line):
                section = line[:-1]
            elif re.match(r"  \S", line):
                first = line.split()[0]
                if section == "Options":
                    flags.update(f for f in first.split(",") if f.startswith("--"))
                elif section == "Subcommands":
                    pending.append(command + [first])
                    if not command:
                        top.append(first)
    return flags, top


def is_dnsprop_command(segment, subcommands):
    """The shell command segment runs dnsprop: after `sudo` and VAR=value assignments its
    first word is dnsprop (any path), or it starts with a dnsprop subcommand and a flag
    (`check --url`)."""
    words = segment.split()
    while words and (words[0] in ("sudo", "$") or re.match(r"\w+=", words[0])):
        words.pop(0)
    if not words:
        return False
    if os.path.basename(words[0]) == "dnsprop":
        return True
    return words[0] in subcommands and len(words) > 1 and words[1].startswith("--")


def doc_flags(path, lines, subcommands):
    """(line, flag) of every flag on a dnsprop command line: in a code span or code block
    line, in each `&&`/`|`/`;` segment that runs dnsprop; a code block line that ends with
    `\\` or a next line that starts with a flag (`  [--force]`) continues the command."""
    out = []
    previous_runs_dnsprop = previous_backslash = False  # the code line above
    for number, line, is_code in markdown_parts(lines):
        if is_code:
            text = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]  # drop a shell comment
            segments = SHELL_SEPARATORS.split(text)
            runs = [is_dnsprop_command(s, subcommands) for s in segments]
            if previous_runs_dnsprop and (previous_backslash or re.match(r"\s*\[?-", text)):
                runs[0] = True
            previous_runs_dnsprop, previous_backslash = runs[-1], text.rstrip().endswith("\\")
            dnsprop_segments = [s for s, run in zip(segments, runs) if run]
        else:
            previous_runs_dnsprop = False
            dnsprop_segments = []
            for span in code_spans(line):
                if path in COMMAND_DOCS and span.startswith("--"):
                    dnsprop_segments.append(span)
                else:
                    dnsprop_segments += [s for s in SHELL_SEPARATORS.split(span)
                                         if is_dnsprop_command(s, subcommands)]
        out += [(number, f) for s in dnsprop_segments for f in FLAG.findall(s)]
    return out


def check_flags(docs, dnsprop):
    known, subcommands = help_flags(dnsprop)
    if not known or not subcommands:
        die("no flags or subcommands in dnsprop --help")
    checked, missing = set(), []
    for path, lines in docs:
        for number, flag in doc_flags(path, lines, subcommands):
            checked.add(flag)
            if flag not in known:
                missing.append((path, number, "flag", flag))
    return checked, missing


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dnsprop", required=True, help="the dnsprop binary")
    parser.add_argument("--metrics", required=True, help="a /metrics scrape of `dnsprop run`")
    parser.add_argument("--root", required=True, type=Path,
                        help="folder with README.md and docs/ (the source tree)")
    args = parser.parse_args()

    docs = doc_files(args.root)
    with tempfile.TemporaryDirectory() as folder:
        results = {
            "metrics": check_metrics(docs, args.metrics),
            "config keys": check_keys(docs, args.dnsprop, folder),
            "flags": check_flags(docs, args.dnsprop),
        }
    failed = False
    for path, number, kind, name in sorted(m for _, missing in results.values() for m in missing):
        print(f"{path}:{number}: {kind} {name}: not in the code")
        failed = True
    print("docs_vs_code: checked " + ", ".join(f"{len(c)} {k}" for k, (c, _) in results.items()))
    for kind, (checked, _) in results.items():
        if not checked:
            print(f"docs_vs_code: no {kind} found in the docs: the extraction is broken")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
