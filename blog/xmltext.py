"""Text that XML 1.0 can carry. Editors paste from anywhere: a stray control character
(`\\x0b` from a word processor, `\\x1f` from a spreadsheet) or a noncharacter (U+FFFE) makes the
feeds unserialisable or not well-formed, and no reader ever meant to see one."""

import re

# Everything outside XML 1.0's `Char` production: C0 controls but tab, newline and carriage
# return; lone surrogates; U+FFFE and U+FFFF.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text):
    """`text` without the characters XML 1.0 does not allow; None and "" pass through."""
    return _NOT_XML_CHAR.sub("", text) if text else text
