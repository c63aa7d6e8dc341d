"""What an import run works on, passed from op to op: where the rows are staged, for whom, and how."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coherence_pipelines.errors import ImportJobNotFound, InvalidMapping, ModuleNotFound, UploadNotFound
from coherence_pipelines.execution import ImportOptions, ImportRunner, ImportSource
from coherence_pipelines.execution.ids import new_job_id
from coherence_pipelines.modules import ModuleDef, merge_definitions
from coherence_pipelines.parsing import parse_file, safe_file_name
from coherence_pipelines.settings import Settings
from coherence_pipelines.staging import load_upload, stage_upload
from coherence_pipelines.store import RecordStore
from coherence_pipelines.validation import NormalizeContext


@dataclass
class ImportRequest:
    account_id: str
    account: str
    module: str
    upload_id: str
    import_job_id: str
    options: dict[str, Any] = field(default_factory=dict)  # as a job keeps them (ImportRunner.options_doc)
    file_path: str | None = None  # the inbox file this run imports, moved aside when it ends
    mapping_given: bool = False

    def module_def(self, store: RecordStore) -> ModuleDef:
        with store.session() as session:
            module = merge_definitions(session.custom_modules(self.account_id)).get(self.module)
        if module is None:
            raise ModuleNotFound(f"Module not found: {self.module!r}")
        return module

    def runner(self, store: RecordStore, settings: Settings) -> tuple[ImportRunner, ImportSource]:
        meta, rows = load_upload(settings.staging_dir, self.account_id, self.upload_id)
        runner = ImportRunner(store, self.account_id, self.module_def(store), ImportOptions.from_doc(self.options),
                              NormalizeContext(region=settings.default_region))
        return runner, ImportSource(rows=rows, file_name=meta.file_name, file_type=meta.file_type,
                                    upload_id=meta.upload_id, encoding=meta.encoding, delimiter=meta.delimiter)


def request_for_job(store: RecordStore, account: str, import_job_id: str) -> ImportRequest:
    """A background import the API created: everything comes from its job."""
    with store.session() as session:
        account_id = session.account_id_by_name(account)
        job = session.get_job(account_id, import_job_id) if account_id else None
    if job is None or not job.get("upload_id"):
        raise ImportJobNotFound(f"Import job not found: {import_job_id} of account {account!r}")
    return ImportRequest(account_id=job["account_id"], account=account, module=job["module"],
                         upload_id=job["upload_id"], import_job_id=import_job_id, options=job["options"] or {},
                         mapping_given=True)


def request_for_file(store: RecordStore, settings: Settings, account: str, module: str, path: Path,
                     options: dict[str, Any]) -> ImportRequest:
    """A file on this machine (the launchpad, the inbox): parsed once into staging."""
    with store.session() as session:
        account_id = session.ensure_account(account)
        modules = merge_definitions(session.custom_modules(account_id))
    if module not in modules:
        raise ModuleNotFound(f"Module not found: {module!r}")
    parsed = parse_file(path)
    staged = stage_upload(settings.staging_dir, account_id, module, parsed.frame, file_name=safe_file_name(path.name),
                          file_type=parsed.file_type, encoding=parsed.encoding, delimiter=parsed.delimiter)
    return ImportRequest(account_id=account_id, account=account, module=module, upload_id=staged.upload_id,
                         import_job_id=new_job_id(), options=options, file_path=str(path),
                         mapping_given=bool(options.get("columnMapping")))


def request_for_upload(store: RecordStore, account: str, module: str, upload_id: str,
                       options: dict[str, Any]) -> ImportRequest:
    with store.session() as session:
        account_id = session.account_id_by_name(account)
    if account_id is None:
        raise UploadNotFound(f"Upload not found: account {account!r} has no uploads")
    return ImportRequest(account_id=account_id, account=account, module=module, upload_id=upload_id,
                         import_job_id=new_job_id(), options=options,
                         mapping_given=bool(options.get("columnMapping")))


def options_from_config(mapping: str, duplicate_strategy: str, match_fields: list[str], merge_mode: str,
                        create_missing_references: bool, static_values: dict[str, str],
                        date_order: str | None = None) -> dict[str, Any]:
    """Launchpad or sidecar options in the job's own shape. `mapping` is "auto" (the remembered mapping, else
    suggestions), a JSON columnMapping, or "template:NAME" (a named mapping template)."""
    column_mapping: list[dict] = []
    template = None
    text = mapping.strip()
    if text.startswith("template:"):
        template = text.removeprefix("template:").strip()
        if not template:
            raise InvalidMapping("mapping: name the template after \"template:\"")
    elif text and text != "auto":
        try:
            doc = json.loads(mapping)
        except ValueError as exc:
            raise InvalidMapping(f"mapping: neither \"auto\", \"template:NAME\" nor JSON ({exc})") from None
        column_mapping = doc.get("columnMapping", []) if isinstance(doc, dict) else doc
    return {"columnMapping": column_mapping, "mappingTemplate": template, "duplicateStrategy": duplicate_strategy,
            "duplicateMatchFields": match_fields, "mergeMode": merge_mode,
            "createMissingReferences": create_missing_references, "staticValues": static_values,
            "dateOrder": date_order}
