"""Draw the app icons (run once with Pillow installed; the PNGs are committed)."""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "public"
BLUE, WHITE, GOLD = (11, 92, 173), (255, 255, 255), (245, 180, 40)


def draw(size: int, maskable: bool) -> Image.Image:
    img = Image.new("RGBA", (size, size), BLUE if maskable else (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if not maskable:
        d.rounded_rectangle([0, 0, size - 1, size - 1], radius=size // 5, fill=BLUE)
    # Maskable icons keep their content inside the central 80% safe zone.
    s = size * (0.62 if maskable else 0.78)
    o = (size - s) / 2
    # a calendar page with a check: "today's plan"
    d.rounded_rectangle([o, o + s * 0.12, o + s, o + s], radius=s * 0.1, fill=WHITE)
    d.rectangle([o, o + s * 0.12, o + s, o + s * 0.32], fill=GOLD)
    for x in (0.28, 0.72):
        d.rounded_rectangle([o + s * x - s * 0.05, o, o + s * x + s * 0.05, o + s * 0.22],
                            radius=s * 0.04, fill=WHITE)
    w = max(2, int(s * 0.09))
    d.line([(o + s * 0.25, o + s * 0.64), (o + s * 0.44, o + s * 0.82), (o + s * 0.78, o + s * 0.46)],
           fill=BLUE, width=w, joint="curve")
    return img


if __name__ == "__main__":
    (OUT / "icons").mkdir(parents=True, exist_ok=True)
    draw(192, False).save(OUT / "icons" / "icon-192.png")
    draw(512, False).save(OUT / "icons" / "icon-512.png")
    draw(512, True).save(OUT / "icons" / "maskable-512.png")
    draw(48, False).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
