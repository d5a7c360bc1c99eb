"""Images (PNG, JPEG, TIFF, ...): OCR'd with Tesseract after the pixel count
is checked from the header, so a decompression bomb is never decoded."""

from __future__ import annotations

from threadline.ingest.documents.base import Context, ExtractionFailed, Extractor, LimitExceeded
from threadline.ingest.documents.extractors.ocr import ocr_image
from threadline.ingest.documents.extractors.text import clean_text


class ImageExtractor(Extractor):
    schema = "Image"

    def extract(self, ctx: Context) -> None:
        from PIL import Image, UnidentifiedImageError

        Image.MAX_IMAGE_PIXELS = ctx.limits.max_pixels
        try:
            with Image.open(ctx.path) as image:  # reads the header only
                width, height = image.size
                frames = getattr(image, "n_frames", 1)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
            if isinstance(exc, Image.DecompressionBombError):
                raise LimitExceeded(f"image too large to decode ({exc})") from exc
            raise ExtractionFailed(f"not a readable image ({exc})") from exc
        if width * height * frames > ctx.limits.max_pixels:
            raise LimitExceeded(
                f"image of {width}x{height} pixels x {frames} frames is over the "
                f"{ctx.limits.max_pixels:,}-pixel limit"
            )
        text = ocr_image(ctx.path, ctx.ocr_languages, ctx.limits.timeout_seconds)
        pages = [clean_text(p) for p in text.split("\f")]
        pages = [p for p in pages if p.strip()]
        ctx.document.add("bodyText", "\n\n".join(pages), 1 if pages else None)
        ctx.result.pages += max(1, len(pages))
