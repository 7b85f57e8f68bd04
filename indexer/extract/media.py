"""Audio and video via PyAV: catalogued with technical metadata (duration, codecs, size,
creation time) and, for video, a poster frame about 10% in as the page image. No
transcription: the one page has no text (source NONE)."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

import av
import av.error
from PIL import Image

from archive.vocabulary import PageSource
from indexer.extract.base import (
    CorruptFile,
    ExtractContext,
    Extraction,
    PageContent,
)
from indexer.extract.limits import check_pixels

AUDIO_TYPES = frozenset({
    "audio/mpeg", "audio/x-wav", "audio/wav", "audio/ogg", "audio/flac", "audio/x-flac",
    "audio/mp4", "audio/x-m4a", "audio/aac", "audio/x-hx-aac-adts", "audio/webm",
    "audio/x-ms-wma", "audio/amr", "audio/x-aiff", "audio/opus", "application/ogg",
})
VIDEO_TYPES = frozenset({
    "video/mp4", "video/webm", "video/x-matroska", "video/quicktime", "video/x-msvideo",
    "video/mpeg", "video/ogg", "video/3gpp", "video/x-flv", "video/x-ms-wmv", "video/x-ms-asf",
    "video/mp2t",
})
POSTER_POSITION = 0.10  # share of the duration where the poster frame is taken
MAX_DECODE_FRAMES = 300  # frames decoded past a keyframe to reach the poster position
# Container tags copied as document properties: tag name -> metadata key.
_TAGS = {"title": "title", "artist": "creator", "author": "creator", "composer": "creator",
         "creation_time": "date", "date": "date", "comment": "description",
         "encoder": "encoder", "album": "album"}
_FFMPEG_ERRORS = (av.error.FFmpegError, OSError, ValueError, IndexError)


def _corrupt(exc: Exception) -> CorruptFile:
    """A ``CorruptFile`` for media FFmpeg cannot read."""
    return CorruptFile(
        f"This audio or video file cannot be read; it is corrupt or in an unknown format ({exc})",
        "该音视频文件无法读取，可能已损坏或格式未知",
    )


def _seconds(value: Any, time_base: Fraction | None) -> float | None:
    """A stream timestamp or duration in seconds, None when unknown."""
    if value is None or time_base is None:
        return None
    return round(float(value * time_base), 3)


def _codec_name(codec: Any) -> str | None:
    """The format's name (``mp3``), not the decoder's (``mp3float``)."""
    if codec is None:
        return None
    return getattr(codec.codec, "canonical_name", None) or codec.name


def is_cover_art(stream: Any) -> bool:
    """A picture attached to an audio file (an MP3's album cover), not a moving image."""
    return stream.type == "video" and bool(stream.disposition & av.stream.Disposition.attached_pic)


def _stream_info(stream: Any) -> dict[str, Any]:
    """Codec and shape of one stream."""
    codec = stream.codec_context
    info: dict[str, Any] = {"type": "cover_art" if is_cover_art(stream) else stream.type,
                            "codec": _codec_name(codec)}
    duration = _seconds(stream.duration, stream.time_base)
    if duration is not None:
        info["duration"] = duration
    if stream.type == "video":
        info["width"] = codec.width
        info["height"] = codec.height
        if stream.average_rate:
            info["frame_rate"] = round(float(stream.average_rate), 3)
    elif stream.type == "audio":
        info["sample_rate"] = codec.sample_rate
        layout = getattr(codec, "layout", None)
        info["channels"] = getattr(layout, "nb_channels", None) or getattr(codec, "channels", None)
    if stream.bit_rate:
        info["bit_rate"] = stream.bit_rate
    language = stream.metadata.get("language")
    if language:
        info["language"] = language
    return info


def media_metadata(container: Any) -> dict[str, Any]:
    """Duration, format, bit rate, per-stream codecs and the container's tags."""
    metadata: dict[str, Any] = {"format": container.format.name}
    if container.duration is not None:
        metadata["duration"] = round(container.duration / av.time_base, 3)
    if container.bit_rate:
        metadata["bit_rate"] = container.bit_rate
    streams = [_stream_info(s) for s in container.streams if s.type in {"audio", "video"}]
    moving = [s for s in streams if s["type"] != "cover_art"]
    metadata["streams"] = streams
    video = next((s for s in streams if s["type"] == "video"), None)
    audio = next((s for s in streams if s["type"] == "audio"), None)
    if video is not None:
        metadata.update(video_codec=video["codec"], width=video["width"], height=video["height"])
    if audio is not None:
        metadata.update(audio_codec=audio["codec"], sample_rate=audio["sample_rate"])
    metadata["media_kind"] = "video" if video is not None else "audio"
    if "duration" not in metadata:
        durations = [s["duration"] for s in moving if "duration" in s]
        if durations:
            metadata["duration"] = max(durations)
    tags = {key.lower(): value for key, value in container.metadata.items()}
    for tag, key in _TAGS.items():
        if tags.get(tag) and key not in metadata:
            metadata[key] = str(tags[tag]).strip()
    return metadata


def _first_frame(container: Any, stream: Any) -> Any | None:
    """The first decodable frame of ``stream`` from the current position."""
    for frame in container.decode(stream):
        return frame
    return None


def _frame_at(container: Any, stream: Any, target: int) -> Any | None:
    """The first frame at or after ``target`` (stream time base): seek lands on the keyframe
    before it, so decode on from there, at most ``MAX_DECODE_FRAMES`` frames."""
    container.seek(target, stream=stream)
    last = None
    for count, frame in enumerate(container.decode(stream)):
        last = frame
        if frame.pts is None or frame.pts >= target or count >= MAX_DECODE_FRAMES:
            break
    return last


def poster_frame(container: Any, stream: Any, duration: float | None) -> Image.Image | None:
    """A frame about 10% into the video (the first frame when seeking fails)."""
    frame = None
    if duration and stream.time_base:
        try:
            target = int(duration * POSTER_POSITION / stream.time_base) + (stream.start_time or 0)
            frame = _frame_at(container, stream, target)
        except _FFMPEG_ERRORS:
            frame = None
    if frame is None:
        container.seek(0)
        frame = _first_frame(container, stream)
    return frame.to_image() if frame is not None else None


class MediaExtractor:
    """Audio and video recordings (录音, 录像)."""

    name: ClassVar[str] = "media"
    mime_types: ClassVar[frozenset[str]] = AUDIO_TYPES | VIDEO_TYPES

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        """Probe the file; decode only the poster frame of a video (or an audio file's cover)."""
        try:
            container = av.open(str(path), metadata_errors="replace")
        except _FFMPEG_ERRORS as exc:
            raise _corrupt(exc) from exc
        try:
            metadata = media_metadata(container)
            if not any(s["type"] in {"audio", "video"} for s in metadata["streams"]):
                raise CorruptFile(
                    "The file holds no audio or video stream",
                    "该文件不含音频或视频流",
                )
            image = self._picture(container, metadata, ctx, path.name)
        finally:
            container.close()
        return Extraction(1, _page(image, ctx), metadata)

    @staticmethod
    def _picture(container: Any, metadata: dict[str, Any], ctx: ExtractContext, filename: str
                 ) -> Image.Image | None:
        """The poster frame of the first video stream, else the cover art, else None."""
        videos = [s for s in container.streams.video if not is_cover_art(s)]
        covers = [s for s in container.streams.video if is_cover_art(s)]
        stream = videos[0] if videos else covers[0] if covers else None
        if stream is None:
            return None
        width, height = stream.codec_context.width or 0, stream.codec_context.height or 0
        if width > 0 and height > 0:  # a size the header leaves open is known only once decoded
            check_pixels(width, height, ctx.max_image_pixels,
                         "video frame" if videos else "cover image", filename)
        try:
            if videos:
                return poster_frame(container, stream, metadata.get("duration"))
            frame = _first_frame(container, stream)
            return frame.to_image() if frame is not None else None
        except _FFMPEG_ERRORS as exc:
            raise _corrupt(exc) from exc


def _page(image: Image.Image | None, ctx: ExtractContext) -> Iterator[PageContent]:
    """The one page: no text, the poster frame as its image for a video."""
    yield PageContent(
        number=1, text="", source=PageSource.NONE, image=image,
        width=image.width if image else None, height=image.height if image else None,
    )
    ctx.progress(1, 1)
