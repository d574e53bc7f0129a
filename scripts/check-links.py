#!/usr/bin/env python3
"""check-links.py - every relative link of the documentation leads somewhere.

For each markdown file, each link [text](target) that is not a URL must
name an existing file or folder (relative to the file), and a #fragment
must name a heading of the markdown file it points at (GitHub's anchors:
lower case, punctuation dropped, spaces as hyphens).  Links inside code
blocks and code spans are not links.  Exit 0 when every link resolves, 1
with one line per broken link otherwise.

    scripts/check-links.py [FILE.md...]   (default: README.md and docs/*.md)
"""
import glob
import os
import re
import sys


def prose(path):
    """The file's lines outside ``` code blocks."""
    fence = False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fence = not fence
        elif not fence:
            yield line


def anchors(path):
    out = set()
    for line in prose(path):
        m = re.match(r"#+\s+(.*)", line)
        if m:
            title = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
            out.add(title.replace(" ", "-"))
    return out


def links(path):
    for line in prose(path):
        # a code span is no link (but may be a link's text)
        line = re.sub(r"`[^`]*`", "code", line)
        yield from re.findall(r"\]\(([^)\s]+)\)", line)


def main(files):
    bad = 0
    for md in files:
        for target in links(md):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, frag = target.partition("#")
            full = os.path.normpath(os.path.join(os.path.dirname(md), path)) if path else md
            if not os.path.exists(full):
                print(f"{md}: ({target}): no such file or folder")
                bad += 1
            elif frag and full.endswith(".md") and frag not in anchors(full):
                print(f"{md}: ({target}): no heading '{frag}' there")
                bad += 1
    if bad:
        print(f"check-links: {bad} broken link(s)", file=sys.stderr)
        return 1
    print(f"check-links: {len(files)} files, every relative link resolves")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        files = sys.argv[1:]
    else:
        os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
        files = ["README.md"] + sorted(glob.glob("docs/*.md"))
    sys.exit(main(files))
