"""Audio and video: technical metadata, a poster frame for video, no text, broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.vocabulary import PageSource
from indexer.extract.base import CorruptFile, ExtractContext, ResourceLimitExceeded, extractor_for
from indexer.extract.detect import detect
from tests.extract import generate


def run(path: Path, ctx: ExtractContext | None = None) -> tuple[str, int | None, dict, list]:
    """Detect and extract; returns the MIME type, page count, metadata and pages."""
    mime = detect(path).mime_type
    extraction = extractor_for(mime).extract(path, mime, ctx or ExtractContext())
    return mime, extraction.page_count, extraction.metadata, list(extraction.pages)


def test_wav_is_catalogued_with_duration_and_codec(tmp_path: Path) -> None:
    mime, count, metadata, pages = run(generate.wav_file(tmp_path / "讲话.wav"))
    assert mime == "audio/x-wav" and count == 1
    assert metadata["duration"] == pytest.approx(2.0, abs=0.05)
    assert metadata["audio_codec"] == "pcm_s16le" and metadata["sample_rate"] == 8000
    assert metadata["title"] == "校庆讲话录音"
    assert metadata["media_kind"] == "audio"
    assert pages[0].text == "" and pages[0].source is PageSource.NONE and pages[0].image is None


def test_ogg_audio(tmp_path: Path) -> None:
    mime, _, metadata, pages = run(generate.ogg_file(tmp_path / "a.ogg"))
    assert mime == "audio/ogg"
    assert metadata["duration"] == pytest.approx(2.0, abs=0.1)
    assert metadata["audio_codec"] in {"vorbis", "opus", "flac"}
    assert pages[0].image is None


@pytest.mark.parametrize(("fmt", "mime"), [("mp4", "video/mp4"), ("webm", "video/webm")])
def test_video_metadata_and_poster_frame(tmp_path: Path, fmt: str, mime: str) -> None:
    detected, count, metadata, pages = run(generate.video_file(tmp_path / f"大会.{fmt}", fmt))
    assert detected == mime and count == 1
    assert metadata["duration"] == pytest.approx(2.0, abs=0.15)
    assert (metadata["width"], metadata["height"]) == (64, 48)
    assert metadata["video_codec"]
    assert metadata["date"].startswith("2023-09-10T08:00:00")
    assert metadata["title"] == "教师节表彰大会"
    page = pages[0]
    assert page.source is PageSource.NONE and page.text == ""
    assert page.image is not None and (page.width, page.height) == (64, 48)
    red, _, blue = page.image.convert("RGB").getpixel((32, 24))
    # Frames fade from red to blue; ~10% in is mostly red but no longer the first frame.
    assert 150 < red < 250 and 5 < blue < 100


def test_truncated_video_is_corrupt(tmp_path: Path) -> None:
    good = generate.video_file(tmp_path / "good.mp4").read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(good[:200])
    with pytest.raises(CorruptFile) as info:
        extractor_for("video/mp4").extract(path, "video/mp4", ExtractContext())
    assert "音视频" in info.value.message_zh


def test_huge_frames_are_refused_naming_the_file_and_the_setting(tmp_path: Path) -> None:
    path = generate.video_file(tmp_path / "校庆.mp4")
    with pytest.raises(ResourceLimitExceeded) as info:
        run(path, ExtractContext(max_image_pixels=1000))
    for message in (info.value.message_zh, info.value.message_en):
        assert "校庆.mp4" in message and "LANTAI_MAX_IMAGE_PIXELS" in message, message


def test_mp3_cover_art_is_the_page_image_of_an_audio_record(tmp_path: Path) -> None:
    mime, _, metadata, pages = run(generate.mp3_with_cover(tmp_path / "校歌.mp3"))
    assert mime == "audio/mpeg"
    assert metadata["media_kind"] == "audio" and metadata["audio_codec"] == "mp3"
    assert "video_codec" not in metadata
    assert metadata["duration"] == pytest.approx(2.0, abs=0.1)
    assert pages[0].image is not None and pages[0].image.size == (16, 16)
    assert pages[0].image.convert("RGB").getpixel((8, 8)) == (200, 200, 200)
