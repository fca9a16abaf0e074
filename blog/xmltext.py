"""Text that XML 1.0 can carry. Editors paste from anywhere: a stray control character
(`\\x0b` from a word processor, `\\x1f` from a spreadsheet) or a noncharacter (U+FFFE) makes the
feeds unserialisable or not well-formed, and no reader ever meant to see one."""

import re

# Everything outside XML 1.0's `Char` production: C0 controls but tab, newline and carriage
# return; lone surrogates; U+FFFE and U+FFFF. Spelt as what is refused rather than as the
# complement of what is allowed (the same set, checked over every code point): that form takes
# 3.4 ms to compile on every cold start (it imports with the models), this one 0.4 ms.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text):
    """`text` without the characters XML 1.0 does not allow; None and "" pass through."""
    return _NOT_XML_CHAR.sub("", text) if text else text
