"""Read a QR code off a real screenshot, as a phone would: Chromium's pixels, zbar's decoder.

The screenshot's PNG is drawn on a canvas in Chromium (no image library needed) and
its grey levels handed to pyzbar (Debian's libzbar0).
"""

from __future__ import annotations

import base64

from playwright.sync_api import Browser
from pyzbar import pyzbar

GREY = """async (src) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const rgba = ctx.getImageData(0, 0, img.width, img.height).data;
  let grey = '';
  for (let i = 0; i < rgba.length; i += 4) {
    grey += String.fromCharCode(Math.round((rgba[i] + rgba[i + 1] + rgba[i + 2]) / 3));
  }
  return { width: img.width, height: img.height, grey: btoa(grey) };
}"""


def decode_png(browser: Browser, png: bytes) -> list[str]:
    """Every QR code's text in a PNG screenshot."""
    context = browser.new_context()
    try:
        page = context.new_page()
        src = "data:image/png;base64," + base64.b64encode(png).decode()
        image = page.evaluate(GREY, src)
    finally:
        context.close()
    pixels = base64.b64decode(image["grey"])
    found = pyzbar.decode((pixels, image["width"], image["height"]))
    return [symbol.data.decode() for symbol in found if symbol.type == "QRCODE"]
