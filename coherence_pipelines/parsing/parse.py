"""parse_file: route an upload to the reader its bytes call for."""

from __future__ import annotations

from pathlib import Path

from coherence_pipelines.parsing.csv_reader import read_csv_file
from coherence_pipelines.parsing.detect import sniff_file_type
from coherence_pipelines.parsing.excel_reader import read_xls_file, read_xlsx_file
from coherence_pipelines.parsing.parsed_file import ParsedFile

_READERS = {"xlsx": read_xlsx_file, "xls": read_xls_file, "text": read_csv_file}


def parse_file(path: Path) -> ParsedFile:
    """Parse a CSV/TSV, XLSX or XLS upload, judging its type from the bytes (the name is ignored).

    Raises UnsupportedFileType (binary, HTML, non-workbook zip...) or UnreadableFile (empty,
    no header row, damaged or password-protected workbook); see ParsedFile for the result.
    """
    path = Path(path)
    return _READERS[sniff_file_type(path)](path)
