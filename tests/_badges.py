"""Reading badges back from their PDF: the text (pypdf) and the QR codes, decoded from the
rendered pages (pypdfium2 renders, zxing-cpp decodes), as a scanner at the door would."""

from __future__ import annotations

import io
import re

import pypdfium2
import zxingcpp
from pypdf import PdfReader

BADGE_CODE = re.compile(r"[A-Z2-9]{10}")


def badge_codes_from_pdf(pdf_bytes: bytes, *, scale: float = 3) -> list[str]:
    """The contents of every QR code in the PDF, page by page, each page's codes top to
    bottom and left to right."""
    document = pypdfium2.PdfDocument(pdf_bytes)
    codes: list[str] = []
    try:
        for index in range(len(document)):
            page = document[index]
            image = page.render(scale=scale).to_pil()
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            found.sort(key=lambda code: (round(code.position.top_left.y / 50),
                                         code.position.top_left.x))
            # Now and then the reader also "finds" a short code in the cut marks or the
            # printed text ("0112" once in CI); only a badge code's shape counts. A badge
            # whose own QR code reads wrong still fails: its code is then missing.
            codes.extend(code.text for code in found if BADGE_CODE.fullmatch(code.text))
            page.close()
    finally:
        document.close()
    return codes


def pdf_text(pdf_bytes: bytes) -> list[str]:
    """The text of each page."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages]


def page_sizes_mm(pdf_bytes: bytes) -> list[tuple[int, int]]:
    return [(round(float(page.mediabox.width) / 72 * 25.4),
             round(float(page.mediabox.height) / 72 * 25.4))
            for page in PdfReader(io.BytesIO(pdf_bytes)).pages]
