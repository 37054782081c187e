"""archivist verify: real crawl output passes; every kind of damage is a named fault."""

from __future__ import annotations

import contextlib
import gzip
import io
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.warc.verify import verify_paths
from crawler.cli.warcs import verify_command
from tests.helpers.crawls import crawl, warc_files, write_source
from tests.helpers.required import missing

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, demo_server) -> Path:
    home = tmp_path_factory.mktemp("verify")
    source = write_source(
        home / "sources", "goc", "goc-nhin.test", family="wordpress", max_pages=15
    )
    crawl(source, home, demo_server)
    assert warc_files(home)
    return home


def _copy(crawled: Path, tmp_path: Path) -> Path:
    """A copy of the crawl's collection, with a fresh cdxj-indexer index."""
    (src,) = list((crawled / "collections").iterdir())
    dst = tmp_path / "collections" / src.name
    shutil.copytree(src, dst)
    files = sorted((dst / "archive").glob("*.warc.gz"))
    (dst / "indexes").mkdir(exist_ok=True)
    for old in (dst / "indexes").glob("*.cdxj"):
        old.unlink()
    out = subprocess.run(
        [str(BIN / "cdxj-indexer"), *[f.name for f in files]],
        cwd=dst / "archive",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (dst / "indexes" / "index.cdxj").write_text(out, encoding="utf-8")
    return dst


def _run(*args: str, home: Path | None = None):
    env = {"ARCHIVIST_HOME": str(home)} if home else {}
    return CliRunner().invoke(verify_command, list(args), env=env)


def _faults(path: Path) -> list[str]:
    return [str(f) for f in verify_paths([path]).faults]


def _response_offsets(path: Path) -> list[tuple[int, int]]:
    """(offset, compressed length) of each response record, from warcio."""
    from warcio.archiveiterator import ArchiveIterator

    found = []
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        for rec in it:
            if rec.rec_type == "response":
                rec.raw_stream.read()
                found.append((it.get_record_offset(), it.get_record_length()))
    return found


def test_clean_crawl_passes_cli_with_index(crawled, tmp_path):
    coll = _copy(crawled, tmp_path)
    result = _run("--collection", coll.name, home=tmp_path)
    assert result.exit_code == 0, result.output
    assert " 0 faults" in result.output
    assert _run(str(coll)).exit_code == 0


def test_flipped_payload_byte_is_a_digest_fault(crawled, tmp_path):
    coll = _copy(crawled, tmp_path)
    path = min((coll / "archive").glob("*.warc.gz"))
    offset, length = _response_offsets(path)[0]
    data = path.read_bytes()
    plain = bytearray(gzip.decompress(data[offset : offset + length]))
    plain[-10] ^= 0x01  # last payload bytes, before the closing CRLFs
    path.write_bytes(data[:offset] + gzip.compress(bytes(plain)) + data[offset + length :])
    faults = _faults(path)
    assert any(f"{path} @ {offset}: WARC-Payload-Digest mismatch" in f for f in faults), faults
    assert any("WARC-Block-Digest mismatch" in f for f in faults)
    result = _run(str(path))
    assert result.exit_code == 1
    assert f"@ {offset}: WARC-Payload-Digest mismatch: header sha1:" in result.output


def test_flipped_gzip_byte_is_a_gzip_fault(crawled, tmp_path):
    coll = _copy(crawled, tmp_path)
    path = min((coll / "archive").glob("*.warc.gz"))
    offset, length = _response_offsets(path)[0]
    data = bytearray(path.read_bytes())
    data[offset + length // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    faults = _faults(path)
    assert faults
    assert any(f"@ {offset}:" in f and ("gzip" in f or "digest" in f.lower()) for f in faults)


def test_truncated_file_fault_at_the_cut_record(crawled, tmp_path):
    coll = _copy(crawled, tmp_path)
    path = min((coll / "archive").glob("*.warc.gz"))
    offset, length = _response_offsets(path)[-1]
    path.write_bytes(path.read_bytes()[: offset + length // 2])
    faults = _faults(path)
    assert faults == [f"{path} @ {offset}: truncated gzip member"]


def test_missing_and_wrong_index_entries(crawled, tmp_path):
    coll = _copy(crawled, tmp_path)
    index = coll / "indexes" / "index.cdxj"
    lines = index.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = next(line for line in lines if '"status": "200"' in line)
    bad = lines[-1].replace('"length": "', '"length": "9')
    rest = [line for line in lines[:-1] if line is not dropped]
    index.write_text("".join([*rest, bad]), encoding="utf-8")
    result = _run(str(coll))
    assert result.exit_code == 1
    assert "missing index entry" in result.output
    assert "index length 9" in result.output


def test_index_entry_pointing_nowhere(crawled, tmp_path):
    coll = _copy(crawled, tmp_path)
    index = coll / "indexes" / "index.cdxj"
    line = index.read_text(encoding="utf-8").splitlines()[0]
    index.write_text(
        index.read_text(encoding="utf-8") + line.replace('"offset": "', '"offset": "7') + "\n",
        encoding="utf-8",
    )
    assert "index entry points nowhere" in _run(str(coll)).output


def test_duplicate_record_id(crawled, tmp_path):
    coll = _copy(crawled, tmp_path)
    path = min((coll / "archive").glob("*.warc.gz"))
    offset, length = _response_offsets(path)[0]
    data = path.read_bytes()
    path.write_bytes(data + data[offset : offset + length])
    report = verify_paths([path])
    assert not report.faults  # the same record again: readers get the same data
    assert any("repeated byte for byte" in str(f) for f in report.warnings)


def test_random_bytes_and_empty_file(tmp_path):
    noise = tmp_path / "noise.warc.gz"
    noise.write_bytes(bytes(range(256)) * 40)
    empty = tmp_path / "empty.warc"
    empty.write_bytes(b"")
    gz_noise = tmp_path / "gz.warc.gz"
    gz_noise.write_bytes(b"\x1f\x8b" + bytes(range(200)))
    report = verify_paths([noise, empty, gz_noise])
    assert {f.path for f in report.faults} == {str(noise), str(empty), str(gz_noise)}
    assert _run(str(noise), str(empty)).exit_code == 1


def _warcio_file(path: Path, gz: bool = True) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "warcio"}))
        head = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        body = b"<html>xin chao</html>"
        rec = writer.create_warc_record(
            "http://a.test/",
            "response",
            payload=io.BytesIO(body),
            http_headers=head,
            length=len(body),
        )
        writer.write_record(rec)
        meta = writer.create_warc_record(
            "http://a.test/",
            "metadata",
            payload=io.BytesIO(b"k: v\r\n"),
            length=6,
            warc_headers_dict={"WARC-Refers-To": rec.rec_headers["WARC-Record-ID"]},
        )
        writer.write_record(meta)
    return path


@pytest.mark.parametrize("gz", [True, False])
def test_warcio_written_file_passes(tmp_path, gz):
    path = _warcio_file(tmp_path / ("w.warc.gz" if gz else "w.warc"), gz)
    report = verify_paths([path])
    assert report.records == 3
    assert report.findings == []


def _arc_file(path: Path) -> Path:
    """A small ARC v1 file, per the ARC format spec (version block, then records)."""
    body = b"HTTP/1.0 200 OK\nContent-Type: text/html\n\n<html>hi</html>"
    desc = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    parts = [
        b"filedesc://t.arc 0.0.0.0 20200101000000 text/plain %d\n" % len(desc) + desc + b"\n",
        b"http://a.test/ 127.0.0.1 20200101000000 text/html %d\n" % len(body) + body + b"\n",
    ]
    path.write_bytes(b"".join(gzip.compress(p) for p in parts))
    return path


def test_arc_file_reads(tmp_path):
    report = verify_paths([_arc_file(tmp_path / "t.arc.gz")])
    assert report.records == 2
    assert report.faults == []


def test_wget_warc_reads(tmp_path, demo_server):
    if not shutil.which("wget"):
        missing("wget is not installed: run scripts/tools-env (Debian's wget)")
    proxy = f"127.0.0.1:{demo_server.port}"
    command = ["wget", "--recursive", "--level=1", "--no-verbose", "--delete-after"]
    command += ["-e", "robots=on", "-e", "use_proxy=yes", "-e", f"http_proxy={proxy}"]
    command += [f"--warc-file={tmp_path / 'wget'}", "--directory-prefix", str(tmp_path / "f")]
    command += ["--quota=300k", "http://goc-nhin.test/"]
    subprocess.run(command, capture_output=True, timeout=120, check=False, cwd=tmp_path)
    path = tmp_path / "wget.warc.gz"
    assert path.exists()
    report = verify_paths([path])
    assert report.records > 3
    assert report.faults == [], [str(f) for f in report.faults]


_FUZZ_BASE: list[bytes] = []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutations_never_crash(tmp_path_factory, data):
    if not _FUZZ_BASE:
        _FUZZ_BASE.append(_warcio_file(tmp_path_factory.mktemp("fuzz") / "m.warc.gz").read_bytes())
    original = _FUZZ_BASE[0]
    path = tmp_path_factory.mktemp("fuzz") / "m.warc.gz"
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(mutated) - 1))
        mutated[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(mutated)))
    mutated = mutated[:cut]
    path.write_bytes(bytes(mutated))
    report = verify_paths([path])  # must not raise
    if bytes(mutated) != original:
        plain_same = False
        with contextlib.suppress(OSError, EOFError, ValueError, zlib.error):
            plain_same = gzip.decompress(bytes(mutated)) == gzip.decompress(original)
        if not plain_same:
            assert report.faults or report.warnings, "damage went unnoticed"


def test_a_header_section_that_never_ends_is_a_fault_in_bounded_memory(tmp_path):
    """A 0.5 MB file whose first record's headers go on for 256 MiB."""
    path = tmp_path / "endless.warc.gz"
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    line = b"X-Pad: " + b"a" * 57 + b"\r\n"
    block = line * (1 << 14)  # 1 MiB
    with path.open("wb") as out:
        out.write(packer.compress(b"WARC/1.1\r\nWARC-Type: resource\r\n"))
        for _ in range(256):
            out.write(packer.compress(block))
        out.write(packer.flush())
    code = (
        "import sys; from pathlib import Path\n"
        "from archive.warc.verify import verify_paths\n"
        "report = verify_paths([Path(sys.argv[1])])\n"
        "print([str(f) for f in report.faults])\n"
        # VmHWM, this process's own peak: ru_maxrss would include pytest's at the fork
        "print(next(x for x in open('/proc/self/status') if x.startswith('VmHWM')).split()[1])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    faults, peak_kb = done.stdout.strip().splitlines()
    assert "record headers go on past" in faults
    assert int(peak_kb) < 200 * 1024, f"peak RSS {int(peak_kb) // 1024} MB"
