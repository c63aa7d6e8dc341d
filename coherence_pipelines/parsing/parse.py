"""parse_file: route an upload to the reader its bytes call for."""

from __future__ import annotations

import threading
from pathlib import Path

from coherence_pipelines.parsing import limits
from coherence_pipelines.parsing.csv_reader import read_csv_file
from coherence_pipelines.parsing.detect import sniff_file_type
from coherence_pipelines.parsing.excel_reader import read_xls_file, read_xlsx_file
from coherence_pipelines.parsing.parsed_file import ParsedFile

_READERS = {"xlsx": read_xlsx_file, "xls": read_xls_file, "text": read_csv_file}

# Each parse is bounded (limits.py); this bounds how many of them a process holds in memory at once,
# however many uploads arrive together.
_PARSE_SLOTS = threading.BoundedSemaphore(limits.MAX_PARALLEL_PARSES)


def parse_file(path: Path) -> ParsedFile:
    """Parse a CSV/TSV, XLSX or XLS upload, judging its type from the bytes (the name is ignored).

    Raises UnsupportedFileType (binary, HTML, non-workbook zip...), UnreadableFile (empty, no header row,
    damaged, password-protected or crafted workbook), FileTooLarge or TooManyColumns (past limits.py);
    see ParsedFile for the result. At most limits.MAX_PARALLEL_PARSES run at once; others wait.
    """
    path = Path(path)
    with _PARSE_SLOTS:
        return _READERS[sniff_file_type(path)](path)
