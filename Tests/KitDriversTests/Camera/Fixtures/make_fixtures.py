#!/usr/bin/env python3
"""Derives the camera test frames from the public-domain originals next to this file.

Run once by hand (python3 with Pillow, e.g. .venv-tools/bin/python3 make_fixtures.py); the
results are committed, so the tests need neither Pillow nor the network. NOTICE.md says where
the originals come from and what each derived frame is.
"""
from PIL import Image, ImageEnhance

BACKDROP = (222, 222, 222)  # the light grey of a photo backdrop

astronaut = Image.open("astronaut.png").convert("RGB")

# Head-and-shoulders framing: the original has too little room above the head for the token
# crop (0.6 * W above the eye line), so 40 rows of backdrop are added on top. The face is untouched.
portrait = Image.new("RGB", (400, 400), BACKDROP)
portrait.paste(astronaut.crop((23, 0, 423, 360)), (0, 40))
portrait.save("portrait.png", optimize=True)

# Two people in the frame: the portrait twice, side by side.
two = Image.new("RGB", (800, 400), BACKDROP)
two.paste(portrait, (0, 0))
two.paste(portrait, (400, 0))
two.save("two-faces.png", optimize=True)

# Too dark: the portrait at 15 % brightness (an unlit room).
ImageEnhance.Brightness(portrait).enhance(0.15).save("too-dark.png", optimize=True)

# Too far away: the portrait at 55 % size on backdrop (eyes ~44 px apart in a 720-line frame).
small = Image.new("RGB", (400, 400), BACKDROP)
small.paste(portrait.resize((220, 220), Image.LANCZOS), (90, 90))
small.save("too-small.png", optimize=True)

