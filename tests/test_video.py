"""Decoding: rotation, true timestamps, slow-motion rescaling, streaming, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from fcutil import decode_index, write_clip
from formcheck.errors import VideoReadError
from formcheck.video import H264Writer, iter_frames, read_video_meta


def test_meta_and_frames_of_a_plain_clip(make_clip):
    meta = read_video_meta(make_clip(n=45, w=160, h=96))
    assert (meta.width_px, meta.height_px, meta.rotation_deg) == (160, 96, 0)
    assert meta.container_fps == pytest.approx(30.0)
    frames = list(iter_frames(meta))
    assert [i for i, _, _ in frames] == list(range(45))
    assert [decode_index(img) for _, _, img in frames] == list(range(45))
    np.testing.assert_allclose([t for _, t, _ in frames], np.arange(45) / 30.0, atol=1e-6)


@pytest.mark.parametrize("rotation", [90, 270, 180])
def test_rotation_tag_gives_upright_frames(make_clip, rotation):
    meta = read_video_meta(make_clip(n=5, w=160, h=96, rotation=rotation))
    assert meta.rotation_deg == rotation
    _, _, img = next(iter_frames(meta))
    expect = (160, 96) if rotation in (90, 270) else (96, 160)
    assert img.shape[:2] == expect
    assert (meta.height_px, meta.width_px) == expect
    # the red band was on the stored top edge; a CCW display rotation of 90 moves it to the left edge
    red = img[..., 0].astype(int) - img[..., 1].astype(int) > 100
    edge = {90: red[:, :4], 270: red[:, -4:], 180: red[-4:, :]}[rotation]
    assert edge.mean() > 0.8


def test_variable_frame_rate_keeps_true_timestamps(tmp_path):
    times = np.concatenate([np.arange(30) / 30.0, 1.0 + 0.12 + np.arange(30) / 60.0])
    meta = read_video_meta(write_clip(tmp_path / "vfr.mp4", times))
    got = np.array([t for _, t, _ in iter_frames(meta)])
    np.testing.assert_allclose(got, times - times[0], atol=1.5e-5)  # 1/90000 s pts resolution


def test_capture_fps_rescales_slow_motion(make_clip):
    meta = read_video_meta(make_clip(n=30, fps=30.0), capture_fps=240.0)
    assert meta.capture_fps == 240.0 and meta.time_scale == pytest.approx(0.125)
    t = [t for _, t, _ in iter_frames(meta)]
    assert t[-1] == pytest.approx(29 / 240.0, abs=1e-6)


def test_chunked_iteration_matches_whole(make_clip):
    meta = read_video_meta(make_clip(n=40))
    whole = [(i, t) for i, t, _ in iter_frames(meta)]
    parts = [(i, t) for i, t, _ in iter_frames(meta, start=0, stop=17)] + \
            [(i, t) for i, t, _ in iter_frames(meta, start=17)]
    assert parts == whole


@pytest.mark.parametrize("suffix,codec,fmt", [(".mov", "libx264", "mov"), (".mkv", "libx264", "matroska"),
                                              (".webm", "libvpx-vp9", "webm"), (".avi", "mpeg4", "avi")])
def test_other_containers(tmp_path, suffix, codec, fmt):
    path = write_clip(tmp_path / f"c{suffix}", [i / 30 for i in range(12)], codec=codec, fmt=fmt)
    meta = read_video_meta(path)
    assert len(list(iter_frames(meta))) == 12


def test_missing_file(tmp_path):
    with pytest.raises(VideoReadError, match="not found"):
        read_video_meta(tmp_path / "nope.mp4")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    with pytest.raises(VideoReadError, match="empty"):
        read_video_meta(p)


def test_not_a_video(tmp_path):
    p = tmp_path / "notes.mp4"
    p.write_text("this is a text file pretending to be a video\n" * 50)
    with pytest.raises(VideoReadError, match="not a readable video"):
        read_video_meta(p)


def test_no_video_stream(tmp_path):
    import av

    p = tmp_path / "audio.m4a"
    with av.open(str(p), "w") as c:
        s = c.add_stream("aac", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 44100
        for _ in range(10):
            for pkt in s.encode(frame):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    with pytest.raises(VideoReadError, match="no video stream"):
        read_video_meta(p)


def test_truncated_file_without_index_fails_cleanly(make_clip, tmp_path):
    """Without +faststart the index (moov) is at the end: a cut file cannot be opened at all, and the
    error must say so in one line rather than crash."""
    src = make_clip(n=90, w=320, h=240)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(src.read_bytes()[: int(src.stat().st_size * 0.6)])
    with pytest.raises(VideoReadError, match="not a readable video") as exc:
        read_video_meta(cut)
    assert "\n" not in str(exc.value)


def test_truncated_mdat_warns(tmp_path):
    """A clip whose index survives but whose media data is cut: prefix decoded, warning raised."""
    src = tmp_path / "fs.mp4"
    with H264Writer(src, 320, 240, fps=30) as w:
        rng = np.random.default_rng(0)
        for i in range(90):
            w.write(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), i / 30)
    data = src.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.5)])
    meta = read_video_meta(cut)
    warnings: list[str] = []
    frames = list(iter_frames(meta, on_warning=warnings.append))
    assert 0 < len(frames) < 90
    assert warnings and "truncated" in warnings[0]


def test_h264_writer_output_decodes_with_timing(tmp_path):
    p = tmp_path / "out.mp4"
    times = [0.0, 0.05, 0.08, 0.2, 0.25]
    with H264Writer(p, 161, 97, fps=30) as w:  # odd sizes are trimmed to even
        for t in times:
            w.write(np.zeros((97, 161, 3), np.uint8), t)
    meta = read_video_meta(p)
    assert (meta.width_px, meta.height_px, meta.codec) == (160, 96, "h264")
    got = [t for _, t, _ in iter_frames(meta)]
    np.testing.assert_allclose(got, times, atol=1e-4)
