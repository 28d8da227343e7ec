"""The digest's chart: eight weeks of workslop hours (bars, left axis) and value delivered
(line, right axis) as a PNG, drawn with Pillow's built-in font (nothing fetched, same bytes
for the same figures)."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1000, 520
LEFT, RIGHT, TOP, BOTTOM = 90, 100, 80, 70
BAR = (230, 126, 34)
LINE = (29, 53, 87)
GRID = (225, 228, 232)
INK = (40, 40, 40)
MUTED = (110, 110, 110)
NOT_MEASURED = "n/a"  # a week before Headwork started: no bar, no point (the built-in font has no dash)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: the small bitmap font
        return ImageFont.load_default()


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _label(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.1f}"


def render_chart(history: list[dict], title: str = "Workslop hours and value delivered, last 8 weeks") -> bytes:
    """history: [{"week", "workslop_hours", "value_points", "measured"}], oldest first; a week not
    measured (before Headwork started) is drawn as such, without a bar or a point."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    big, small = _font(22), _font(15)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    measured = [h for h in history if h.get("measured", True)]  # weeks before Headwork started: no zeros
    hours_max = _nice_max(max((h["workslop_hours"] for h in measured), default=0))
    points_max = _nice_max(max((h["value_points"] for h in measured), default=0))

    draw.text((LEFT, 18), title, fill=INK, font=big)
    # legend
    lx = LEFT
    draw.rectangle((lx, 52, lx + 14, 66), fill=BAR)
    draw.text((lx + 20, 50), "workslop hours (left)", fill=INK, font=small)
    lx += 220
    draw.line((lx, 59, lx + 24, 59), fill=LINE, width=3)
    draw.ellipse((lx + 8, 55, lx + 16, 63), fill=LINE)
    draw.text((lx + 30, 50), "value delivered, points (right)", fill=INK, font=small)
    if len(measured) < len(history):
        draw.text((lx + 300, 50), f"{NOT_MEASURED}: before Headwork started", fill=MUTED, font=small)

    ticks = 5
    for i in range(ticks + 1):
        y = TOP + plot_h - plot_h * i / ticks
        draw.line((LEFT, y, LEFT + plot_w, y), fill=GRID, width=1)
        left = _label(hours_max * i / ticks)
        right = _label(points_max * i / ticks)
        draw.text((LEFT - 10 - draw.textlength(left, font=small), y - 8), left, fill=MUTED, font=small)
        draw.text((LEFT + plot_w + 10, y - 8), right, fill=MUTED, font=small)
    draw.line((LEFT, TOP, LEFT, TOP + plot_h), fill=INK, width=1)
    draw.line((LEFT + plot_w, TOP, LEFT + plot_w, TOP + plot_h), fill=INK, width=1)
    draw.line((LEFT, TOP + plot_h, LEFT + plot_w, TOP + plot_h), fill=INK, width=1)
    draw.text((8, TOP - 24), "hours", fill=MUTED, font=small)
    draw.text((LEFT + plot_w + 10, TOP - 24), "points", fill=MUTED, font=small)

    n = max(1, len(history))
    slot = plot_w / n
    points = []
    for i, h in enumerate(history):
        cx = LEFT + slot * (i + 0.5)
        label = h["week"].replace("-W", " W")
        if not h.get("measured", True):
            draw.text((cx - draw.textlength(label, font=small) / 2, TOP + plot_h + 10), label, fill=MUTED, font=small)
            draw.text((cx - draw.textlength(NOT_MEASURED, font=small) / 2, TOP + plot_h - 24), NOT_MEASURED,
                      fill=MUTED, font=small)
            continue
        bar_h = plot_h * h["workslop_hours"] / hours_max
        draw.rectangle((cx - slot * 0.3, TOP + plot_h - bar_h, cx + slot * 0.3, TOP + plot_h), fill=BAR)
        draw.text((cx - draw.textlength(label, font=small) / 2, TOP + plot_h + 10), label, fill=INK, font=small)
        points.append((cx, TOP + plot_h - plot_h * h["value_points"] / points_max))
    if len(points) > 1:
        draw.line(points, fill=LINE, width=3)
    for x, y in points:
        draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill=LINE)

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
