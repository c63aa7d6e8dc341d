"""Files: what real tools write (every encoding and delimiter) parses correctly; what attackers and broken
exports send is refused with a clear 400 of the document's codes, within bounded memory, and the server
keeps answering."""

from __future__ import annotations

import codecs
import io
import random
import zipfile

import openpyxl
import pytest

from coherence_pipelines.errors import FileTooLarge, TooManyColumns, UnreadableFile
from coherence_pipelines.parsing import limits, parse_file
from tests.parsing.files import write_bytes, write_xlsx_parts

from .conftest import RssPeak, assert_clean_error
from .files import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    MAIN_NS,
    XML_HEAD,
    encrypted_xlsx,
    forge_sizes,
    inline,
    sheet_xml,
    sparse_xls,
    word_document,
    write_sheet,
    zip_bomb_sheet,
    zip_with_members,
)

# Names with the letters each single-byte code page spells differently.
HEADER = ["Name", "City", "Note"]
RECORDS = [["René Müller", "Zürich", "12 €"], ["Zoë O’Brien", "Köln", "“quoted”, ok"], ["Ana", "São Paulo", ""]]
ENCODINGS = {
    "utf-8": (b"", "utf-8", "utf-8"),
    "utf-8-bom": (codecs.BOM_UTF8, "utf-8", "utf-8"),
    "utf-16-le-bom": (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    "utf-16-be-bom": (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
    "cp1252": (b"", "cp1252", "windows-1252"),
}
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}


@pytest.fixture
def api(shared_api):
    """These tests only read what they parse: one app for the module."""
    return shared_api


def delimited(records: list[list[str]], delimiter: str, newline: str = "\r\n") -> str:
    def field(value: str) -> str:
        return f'"{value}"' if delimiter in value or '"' in value or "“" in value else value

    return "".join(delimiter.join(field(v) for v in row) + newline for row in [HEADER, *records])


def expected_rows(records: list[list[str]]) -> list[tuple]:
    return [tuple(v or None for v in row) for row in records]


# what real tools write ---------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", DELIMITERS.values(), ids=DELIMITERS.keys())
@pytest.mark.parametrize("encoding", ENCODINGS, ids=ENCODINGS.keys())
def test_every_encoding_and_delimiter_parses_to_the_same_table(tmp_path, encoding, delimiter):
    bom, codec, label = ENCODINGS[encoding]
    path = write_bytes(tmp_path, "export.csv", bom + delimited(RECORDS, delimiter).encode(codec))

    parsed = parse_file(path)

    assert (parsed.encoding, parsed.delimiter) == (label, delimiter)
    assert parsed.columns == HEADER
    assert parsed.frame.rows() == expected_rows(RECORDS)


def test_latin1_bytes_windows_1252_leaves_undefined(tmp_path):
    # 0x81 and 0x8d are holes in windows-1252; latin-1 maps every byte, so the file is read as latin-1.
    data = "Name;Note\r\nJosé;a".encode("latin-1") + b"\x81\x8d" + " ½\r\n".encode("latin-1")
    path = write_bytes(tmp_path, "a.csv", data)

    parsed = parse_file(path)

    assert (parsed.encoding, parsed.delimiter) == ("latin-1", ";")
    assert parsed.frame.rows() == [("José", "a\x81\x8d ½")]


def test_mac_roman_with_classic_mac_line_ends(tmp_path):
    # Excel for Mac's "CSV (Macintosh)": Mac Roman, CR line ends.
    text = delimited([["René Müller", "Zürich", "Straße"]], ",", newline="\r")

    parsed = parse_file(write_bytes(tmp_path, "mac.csv", text.encode("mac_roman")))

    assert parsed.encoding == "mac-roman"
    assert parsed.frame.rows() == [("René Müller", "Zürich", "Straße")]


def test_excel_unicode_text_export_over_http(api):
    # Excel's "Unicode Text (*.txt)": UTF-16 LE with BOM, tab-delimited, CRLF.
    content = codecs.BOM_UTF16_LE + delimited(RECORDS, "\t").encode("utf-16-le")

    data = api.data(api.parse(content, filename="export.txt"))

    assert (data["encoding"], data["delimiter"], data["sourceColumns"]) == ("utf-16", "\t", HEADER)
    assert data["sampleRows"][1] == {"Name": "Zoë O’Brien", "City": "Köln", "Note": "“quoted”, ok"}


def test_blank_duplicate_and_whitespace_headers_over_http(api):
    content = b" Name ,,Email,Email,   ,\xef\xbb\xbfPhone,Name\nAnn,x,a@x.com,b@x.com,y,555,Ann2\n"

    data = api.data(api.parse(content))

    assert data["sourceColumns"] == ["Name", "Column 2", "Email", "Email (2)", "Column 5", "Phone", "Name (2)"]
    assert data["sampleRows"] == [{"Name": "Ann", "Column 2": "x", "Email": "a@x.com", "Email (2)": "b@x.com",
                                   "Column 5": "y", "Phone": "555", "Name (2)": "Ann2"}]


def test_a_header_named_like_the_row_number_column_is_renamed_not_a_crash(api):
    data = api.data(api.parse(b"Name,_row\nAnn,7\n"))

    assert data["sourceColumns"] == ["Name", "_row (2)"]
    mapping = [{"sourceColumn": "Name", "targetFieldSlug": "displayName"}]
    result = api.data(api.post("/modules/contacts/import/execute", {"uploadId": data["uploadId"], "columnMapping": mapping}))
    assert result["successRows"] == 1


# NUL bytes, huge cells, binary garbage ------------------------------------------------------------------


def test_stray_nul_bytes_are_dropped_from_cells_and_headers(api):
    content = b"Na\x00me,Email\n" + b"Ann\x00,ann@example.com\n" + b"".join(
        b"P%d,p%d@example.com\n" % (i, i) for i in range(200))

    data = api.data(api.parse(content))

    assert data["sourceColumns"] == ["Name", "Email"]
    assert data["sampleRows"][0] == {"Name": "Ann", "Email": "ann@example.com"}
    assert "\x00" not in str(data)


def test_nul_heavy_files_are_binary(api):
    error = assert_clean_error(api.parse(b"Name,Email\n" + b"\x00" * 5_000), 400, "UNSUPPORTED_FILE_TYPE")
    assert error["message"].startswith("Unsupported file type")


@pytest.mark.parametrize("stray_quote", [False, True], ids=["quoted", "stray-quote"])
def test_a_one_megabyte_cell_parses_whole(api, stray_quote):
    big = "x, y\n" * 200_000  # 1 MB with the delimiter and newlines inside
    if stray_quote:  # polars refuses the file; the csv-module fallback reads it
        content = f'Name,Note,Size\nAnn,"{big}",12" pizza\n'.encode()
    else:
        content = f'Name,Note\nAnn,"{big}"\n'.encode()

    data = api.data(api.parse(content))

    assert data["totalRows"] == 1 and data["sampleRows"][0]["Note"] == big


def test_a_one_megabyte_cell_in_xlsx(tmp_path):
    big = "z" * 1_000_000
    path = write_sheet(tmp_path, "big.xlsx", f'<row r="1">{inline("A1", "Note")}</row><row r="2">{inline("A2", big)}</row>')

    assert parse_file(path).frame.rows() == [(big,)]


GARBAGE = {
    "random": random.Random(8).randbytes(64 * 1024),
    "elf": b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 16,
    "pdf": b"%PDF-1.7\n" + bytes(range(256)) * 8,
    "gzip": b"\x1f\x8b\x08\x00" + bytes(range(256)) * 8,
    "png": b"\x89PNG\r\n\x1a\n" + bytes(64),
    "docx": None,  # filled below: a zip that is a Word document
}


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


GARBAGE["docx"] = _docx()


@pytest.mark.parametrize("content", GARBAGE.values(), ids=GARBAGE.keys())
def test_binary_garbage_is_unsupported(api, content):
    error = assert_clean_error(api.parse(content, filename="contacts.csv"), 400, "UNSUPPORTED_FILE_TYPE")
    assert error["message"].startswith("Unsupported file type")


# files whose name lies ------------------------------------------------------------------------------------


def _xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name", "Zip"])
    workbook.active.append(["Ann", "02134"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("content", "name", "file_type"), [
    (_xlsx_bytes(), "contacts.csv", "xlsx"),
    (b"Name,Zip\nAnn,02134\n", "contacts.xlsx", "csv"),
    (b"Name\tZip\r\nAnn\t02134\r\n", "contacts.xls", "csv"),
], ids=["xlsx-named-csv", "csv-named-xlsx", "tsv-named-xls"])
def test_the_bytes_decide_not_the_name(api, content, name, file_type):
    data = api.data(api.parse(content, filename=name))

    assert data["fileType"] == file_type and data["fileName"] == name
    assert data["sampleRows"] == [{"Name": "Ann", "Zip": "02134"}]


def test_html_named_xls_is_refused(api):
    content = b"<html><head><meta charset='utf-8'></head><body><table><tr><td>Name</td></tr></table></body></html>"

    error = assert_clean_error(api.parse(content, filename="report.xls"), 400, "UNSUPPORTED_FILE_TYPE")
    assert "HTML" in error["message"]


# Office files that are not readable workbooks ---------------------------------------------------------------


def test_encrypted_workbook_is_refused_with_what_to_do(api):
    error = assert_clean_error(api.parse(encrypted_xlsx(), filename="budget.xlsx"), 400, "UNREADABLE_FILE")
    assert "password-protected" in error["message"]


def test_word_document_is_not_a_spreadsheet(api):
    error = assert_clean_error(api.parse(word_document(), filename="contacts.xls"), 400, "UNSUPPORTED_FILE_TYPE")
    assert "not a spreadsheet" in error["message"]


def _corrupt_crc() -> bytes:
    data = bytearray(_xlsx_bytes())
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(name) + len(name)  # in its local header: the compressed data follows (no extra field)
    data[at + 5] ^= 0xFF
    return bytes(data)


def _encrypted_member() -> bytes:
    data = bytearray(_xlsx_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = 0
        while (at := data.find(signature, at)) >= 0:
            data[at + flags_at] |= 0x01
            at += 4
    return bytes(data)


@pytest.mark.parametrize("content", [
    _xlsx_bytes()[:3000], _corrupt_crc(), _encrypted_member(), zip_with_members(limits.MAX_ZIP_MEMBERS + 1),
], ids=["truncated", "bad-crc", "zip-encrypted-member", "too-many-zip-members"])
def test_corrupt_workbooks_are_unreadable(api, content):
    error = assert_clean_error(api.parse(content, filename="a.xlsx"), 400)
    assert error["code"] in ("UNREADABLE_FILE", "UNSUPPORTED_FILE_TYPE"), error


# zip bombs, entity bombs and sparse sheets: refused before any reader, with bounded memory -----------------

ATTACKS = {
    # 200 MB of rows in a 200 KB zip: refused on the declared ratio before anything is inflated.
    "zip-bomb": (lambda d: write_xlsx_parts(d, "a.xlsx", zip_bomb_sheet(200)), FileTooLarge, "compressed"),
    # Two cells: calamine would lay out 16,384 x 1,048,576 cells (550 GB) and abort the process.
    "sparse-wide": (lambda d: write_sheet(d, "a.xlsx", f'<row r="1">{inline("A1", "Name")}</row>'
                                            f'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
                    TooManyColumns, "column 16,384"),
    "sparse-tall": (lambda d: write_sheet(d, "a.xlsx", f'<row r="1">{inline("A1", "Name")}</row>'
                                            f'<row r="1048576"><c r="T1048576"><v>1</v></c></row>'),
                    FileTooLarge, "1,048,576 rows by 20 columns"),
    # The same without references: cells and rows without `r` go one past the previous one.
    "no-ref-wide-row": (lambda d: write_sheet(d, "a.xlsx", "<row>" + "<c/>" * (limits.MAX_COLUMNS + 1) + "</row>"),
                        TooManyColumns, "column 2,001"),
    "no-ref-tall-and-wide": (lambda d: write_sheet(d, "a.xlsx", "<row>" + "<c><v>1</v></c>" * 1_500 + "</row>"
                                                   + "<row><c><v>1</v></c></row>" * 7_000),
                             FileTooLarge, "by 1,500 columns"),
    "prefixed-tags": (lambda d: write_sheet(d, "a.xlsx", '<x:row r="1"><x:c r="XFD1"><x:v>1</x:v></x:c></x:row>',
                                            prefix="x"), TooManyColumns, "column 16,384"),
    "billion-laughs": (lambda d: write_sheet(d, "a.xlsx", f'<row r="1">{inline("A1", "&lol9;")}</row>',
                                             doctype=BILLION_LAUGHS), UnreadableFile, "DOCTYPE"),
    "billion-laughs-in-shared-strings": (
        lambda d: write_xlsx_parts(d, "a.xlsx", sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
                                   {"xl/sharedStrings.xml": f"{XML_HEAD}{BILLION_LAUGHS}<sst {MAIN_NS}><si><t>&lol9;</t>"
                                                            "</si></sst>"}),
        UnreadableFile, "sharedStrings.xml"),
    "external-entity": (lambda d: write_sheet(d, "a.xlsx", f'<row r="1">{inline("A1", "&xxe;")}</row>',
                                              doctype=EXTERNAL_ENTITY), UnreadableFile, "ENTITY"),
    "sparse-xls": (sparse_xls, FileTooLarge, "65,536 rows by 256 columns"),
    "utf16-entity-bomb": (lambda d: write_xlsx_parts(d, "a.xlsx", codecs.BOM_UTF16_LE + sheet_xml(
        f'<row r="1">{inline("A1", "&lol9;")}</row>', doctype=BILLION_LAUGHS).replace(
        'encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le")), UnreadableFile, "DOCTYPE"),
}


@pytest.mark.parametrize("attack", ATTACKS, ids=ATTACKS.keys())
def test_bombs_and_sparse_sheets_are_refused_before_any_reader(tmp_path, attack):
    build, error, words = ATTACKS[attack]
    path = build(tmp_path)

    with RssPeak() as memory, pytest.raises(error) as info:
        parse_file(path)

    assert words in info.value.message
    assert info.value.status == 400
    assert memory.growth_mb < 100, f"{attack}: memory rose {memory.growth_mb:.0f} MB"


def _forged(tmp_path, declared: int):
    real = write_xlsx_parts(tmp_path, "real.xlsx", zip_bomb_sheet(30))
    return write_bytes(tmp_path, "a.xlsx", forge_sizes(real.read_bytes(), "xl/worksheets/sheet1.xml", declared=declared))


def test_a_zip_declaring_more_than_the_unpacked_limit_is_refused_unread(tmp_path):
    path = _forged(tmp_path, declared=limits.MAX_UNPACKED_BYTES + 1)

    with pytest.raises(FileTooLarge, match=r"the workbook unpacks to 1,073,7\d\d,\d\d\d bytes"):
        parse_file(path)


def test_a_zip_understating_its_size_is_caught_while_inflating(tmp_path):
    # Declared 100 KB (a plausible ratio), really 30 MB: inflating stops past the declared size.
    path = _forged(tmp_path, declared=100_000)

    with RssPeak() as memory, pytest.raises(UnreadableFile, match="damaged"):
        parse_file(path)
    assert memory.growth_mb < 50


def test_a_large_honest_sheet_within_the_limits_is_read(tmp_path):
    rows = "".join(f'<row r="{r}">{inline(f"A{r}", f"n{r}")}<c r="B{r}"><v>{r}</v></c></row>' for r in range(1, 20_001))

    parsed = parse_file(write_sheet(tmp_path, "ok.xlsx", rows))

    assert parsed.columns == ["n1", "1"] and parsed.frame.height == 19_999


def test_hostile_workbooks_over_http_get_400_and_the_server_keeps_answering(api, tmp_path):
    for attack, (build, error, _) in ATTACKS.items():
        response = api.parse(build(tmp_path).read_bytes(), filename=f"{attack}.xlsx")  # the name never counts
        assert_clean_error(response, 400, error.code)
        assert api.data(api.parse(b"Name\nAnn\n"))["totalRows"] == 1, attack


def test_too_many_csv_columns(api):
    wide = ",".join(f"c{i}" for i in range(limits.MAX_COLUMNS + 1)).encode() + b"\n" + b"1\n"
    error = assert_clean_error(api.parse(wide), 400, "TOO_MANY_COLUMNS")
    assert "2,001 fields" in error["message"]

    # A header longer than the 64 KB sample: counted there already, before polars lays it out.
    very_wide = b"|".join(b"column name %d" % i for i in range(100_000)) + b"\n"
    assert_clean_error(api.parse(very_wide), 400, "TOO_MANY_COLUMNS")


def test_parses_run_at_most_two_at_once_and_the_rest_wait(tmp_path, monkeypatch):
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from coherence_pipelines.parsing import parse as parse_module

    active, most = [0], [0]
    lock = threading.Lock()
    read_csv = parse_module._READERS["text"]

    def counting_reader(path):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(0.05)
        try:
            return read_csv(path)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setitem(parse_module._READERS, "text", counting_reader)
    path = write_bytes(tmp_path, "a.csv", b"Name\n" + b"Ann\n" * 1_000)
    with ThreadPoolExecutor(8) as pool:
        heights = list(pool.map(lambda _: parse_file(path).frame.height, range(8)))

    assert heights == [1_000] * 8
    assert most[0] == limits.MAX_PARALLEL_PARSES == 2
