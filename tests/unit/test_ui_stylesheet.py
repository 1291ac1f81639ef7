"""The shipped stylesheet (pycopia_www/static/pwww.css): every text colour meets WCAG AA contrast
(4.5:1) on the backgrounds it is used on, in the light and the dark scheme; the focus ring and
borders meet 3:1 (non-text contrast); nothing is loaded from elsewhere."""
import re

import pytest

from pycopia_www import STATIC_DIR

CSS = (STATIC_DIR / "pwww.css").read_text()

# (text, background) as the stylesheet uses them
TEXT_PAIRS = [("fg", "bg"), ("muted", "bg"), ("link", "bg"), ("fg", "surface"), ("muted", "surface"),
              ("link", "surface"), ("header-fg", "header-bg"), ("accent-fg", "accent"), ("error", "bg"),
              ("fg", "error-bg"), ("fg", "success-bg"), ("fg", "warning-bg"), ("fg", "info-bg"),
              ("bg", "error"), ("link", "bg")]
NON_TEXT_PAIRS = [("focus", "bg"), ("focus", "surface"), ("border", "bg"), ("success", "success-bg"),
                  ("warning", "warning-bg"), ("error", "error-bg"), ("accent", "info-bg")]


def variables(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))


def schemes() -> dict[str, dict[str, str]]:
    dark_at = CSS.index("@media (prefers-color-scheme: dark)")
    light = variables(CSS[:dark_at])
    dark_block = CSS[dark_at:CSS.index("\n}\n", dark_at)]
    return {"light": light, "dark": {**light, **variables(dark_block)}}


def luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_meets_wcag_aa(scheme):
    colours = schemes()[scheme]
    low = [(fg, bg, round(contrast(colours[fg], colours[bg]), 2)) for fg, bg in TEXT_PAIRS
           if contrast(colours[fg], colours[bg]) < 4.5]
    assert low == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_ring_and_borders_meet_non_text_contrast(scheme):
    colours = schemes()[scheme]
    low = [(a, b, round(contrast(colours[a], colours[b]), 2)) for a, b in NON_TEXT_PAIRS
           if contrast(colours[a], colours[b]) < 3]
    assert low == []


def test_the_dark_scheme_changes_every_colour_and_the_check_can_fail():
    light, dark = schemes()["light"], schemes()["dark"]
    assert {k for k in light if light[k] != dark[k]} == set(light)
    assert contrast("#777777", "#ffffff") < 4.5 < contrast("#595959", "#ffffff")


def test_no_external_assets_and_visible_focus():
    assert not re.search(r"url\(|@import|https?:", CSS)
    assert ":focus-visible" in CSS and "outline: 3px solid var(--focus)" in CSS
    assert "@media (min-width: 48em)" in CSS            # the phone layout is the default
