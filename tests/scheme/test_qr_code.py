"""The set-up page's QR code is the library's own drawing, square for square, only drawn
faster (scheme.views._SquarePaths)."""

import pytest
import qrcode
import qrcode.image.svg

from scheme.views import _qr_code_svg


def _library_svg(text: str) -> str:
    code = qrcode.QRCode(image_factory=qrcode.image.svg.SvgPathImage, box_size=8, mask_pattern=0)
    code.add_data(text)
    code.make(fit=True)
    return code.make_image().to_string(encoding="unicode").split("?>", 1)[-1]


@pytest.mark.parametrize(
    "text",
    [
        "x",
        "otpauth://totp/IMDi:kari%40example.no?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        "&algorithm=SHA1&digits=6&period=30&issuer=IMDi",
        "æøå " * 80,
    ],
)
def test_the_same_svg_as_the_library_draws(text):
    assert _qr_code_svg(text) == _library_svg(text)
