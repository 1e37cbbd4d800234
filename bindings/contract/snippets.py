"""Prints the fenced code blocks of one language from a Markdown file, so the
tests run a README's snippets as they are written.

Usage: python3 snippets.py FILE LANG   (exits 1 when FILE has no such block)
"""

import sys


def blocks(text, lang):
    """The bodies of the blocks fenced with ```LANG, in order."""
    found, body = [], None
    for line in text.splitlines(keepends=True):
        if body is None:
            if line.strip() == f"```{lang}":
                body = []
        elif line.strip() == "```":
            found.append("".join(body))
            body = None
        else:
            body.append(line)
    return found


def main(argv):
    path, lang = argv[1], argv[2]
    with open(path, encoding="utf-8") as f:
        found = blocks(f.read(), lang)
    if not found:
        print(f"{path}: no ```{lang} block", file=sys.stderr)
        return 1
    sys.stdout.write("\n".join(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
