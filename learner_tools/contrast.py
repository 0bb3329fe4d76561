"""Colour contrast as WCAG 2.1 defines it: relative luminance, contrast ratio, AA and AAA.

Why compute it rather than eyeball it: text that looks readable to a designer on a good screen
can be unreadable for someone with low vision or in sunlight, and WCAG's success criteria 1.4.3
(AA) and 1.4.6 (AAA) set the minimum ratios as numbers anyone can check.

WCAG 2.1's text linearizes a channel below 0.03928 by dividing by 12.92; the sRGB standard's
threshold is 0.04045, which later versions of the formula's note use. No 8-bit channel value
falls between the two (10/255 is 0.0392, 11/255 is 0.0431), so both give the same ratios here.
"""

from __future__ import annotations

import re

# Minimum contrast ratios: (level, text size) -> ratio. Large text is at least 18 point, or
# 14 point bold (about 24 and 18.66 CSS pixels).
MINIMUM_RATIO = {("AA", "normal"): 4.5, ("AA", "large"): 3.0,
                 ("AAA", "normal"): 7.0, ("AAA", "large"): 4.5}
_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def parse_colour(colour: str) -> tuple[int, int, int]:
    """Red, green and blue (0 to 255) of a colour written "#RRGGBB" or "#RGB"."""
    match = _HEX.fullmatch(str(colour).strip())
    if not match:
        raise ValueError(f"{colour!r} is not a colour written as #RRGGBB or #RGB, "
                         "for example '#1a5a96'")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))


def relative_luminance(colour: str) -> float:
    """WCAG's relative luminance: 0 for black, 1 for white."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in parse_colour(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(foreground: str, background: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), the lighter colour's luminance over the darker's: 1 to 21.
    The order of the two colours does not matter."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)),
                             reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def passes(ratio: float, level: str = "AA", size: str = "normal") -> bool:
    """Whether a contrast ratio meets a WCAG level for normal or large text. The ratio is not
    rounded first: 4.48 fails AA for normal text, though it would round to 4.5."""
    try:
        return ratio >= MINIMUM_RATIO[(level, size)]
    except KeyError:
        raise ValueError(f"level must be 'AA' or 'AAA' and size 'normal' or 'large', "
                         f"not {level!r} and {size!r}") from None
