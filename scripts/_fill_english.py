"""The portal's source strings are English: the en catalog takes each msgid as its text.

Only empty entries are filled, so a hand-polished English wording is kept.
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def main(path: str) -> int:
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            if not all(message.string):
                message.string = (message.id[0], message.id[1])
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, sort_output=True, include_previous=False)
    print(f"en: {filled} entries filled from their source text")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
