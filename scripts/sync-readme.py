#!/usr/bin/env python3
"""Fill README.md's generated sections from their one source in docs/.

A section is written in README.md as
    <!-- from docs/cli.md -->            (the whole file but its title, headings one level down)
    <!-- from docs/policy.md#Grammar --> (one "## Grammar" section)
    <!-- from policies/seed.policy -->   (any other file, verbatim in a code block)
    ...generated text...
    <!-- end -->
`sync-readme.py` rewrites every such block; `sync-readme.py --check` exits 1
if README.md differs from what it would write (the docs test runs that).
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"(<!-- from (\S+?)(?:#([^>]+?))? -->\n).*?(<!-- end -->)", re.S)


def section(text, title):
    """The body of '## title' up to the next '## ' heading."""
    m = re.search(r"^## " + re.escape(title) + r"\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not m:
        sys.exit(f"sync-readme: no section '## {title}'")
    return m.group(1).strip() + "\n"


def demote(text):
    """Whole documents sit under a README '## ' heading: drop their title,
    push the other headings one level down."""
    out = []
    in_code = False
    lines = text.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    for line in lines:
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("#"):
            line = "#" + line
        out.append(line)
    return "\n".join(out).strip() + "\n"


def render(readme):
    def fill(m):
        src = (ROOT / m.group(2)).read_text()
        if not m.group(2).endswith(".md"):
            body = "```\n" + src.rstrip("\n") + "\n```\n"   # a policy, verbatim
        elif m.group(3):
            body = section(src, m.group(3))
        else:
            body = demote(src)
        return m.group(1) + body + m.group(4)
    return BLOCK.sub(fill, readme)


def main():
    path = ROOT / "README.md"
    old = path.read_text()
    new = render(old)
    if "--check" in sys.argv[1:]:
        if new != old:
            print("README.md is out of date: run scripts/sync-readme.py", file=sys.stderr)
            return 1
        return 0
    path.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
