"""The shared plotting style keeps its accessibility promises."""

from __future__ import annotations

import matplotlib as mpl

from learner_tools.style import BACKGROUND, LINESTYLES, MARKERS, PALETTE, use_course_style


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour."""
    channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_wcag_reference_values():
    assert round(contrast("#767676", "#FFFFFF"), 2) == 4.54
    assert round(contrast("#777777", "#FFFFFF"), 2) == 4.48
    assert contrast("#000000", "#FFFFFF") == 21


def test_every_series_colour_has_3_to_1_contrast_with_the_background():
    for colour in PALETTE:
        assert contrast(colour, BACKGROUND) >= 3, colour


def test_series_differ_by_more_than_colour():
    assert len(set(MARKERS)) == len(PALETTE)
    assert len({str(style) for style in LINESTYLES}) == len(PALETTE)


def test_style_applies_palette_markers_and_readable_text():
    use_course_style()
    cycle = mpl.rcParams["axes.prop_cycle"].by_key()
    assert cycle["color"] == PALETTE and cycle["marker"] == MARKERS
    assert mpl.rcParams["font.size"] >= 12
    assert mpl.rcParams["svg.fonttype"] == "none"
