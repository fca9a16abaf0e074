"""Fixtures shared by the image-core tests."""

import pytest
from PIL import ImageFile


@pytest.fixture
def decoding_forbidden(monkeypatch):
    """Records any attempt to decode pixel data."""
    calls = []
    original = ImageFile.ImageFile.load

    def load(self):
        calls.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls
