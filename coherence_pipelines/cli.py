"""The `coherence` command (interfaces.md): serve the API, manage keys and modules, import from a shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from coherence_pipelines.errors import CoherenceError
from coherence_pipelines.settings import get_settings
from coherence_pipelines.store import open_store


@click.group()
def main() -> None:
    """Coherence Pipelines: bulk import and export for the Coherence CRM."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="API processes. On PostgreSQL (COHERENCE_DATABASE_URL) they serve side by side; on the "
                   "embedded DuckDB file they take turns with the store.")
def serve(host: str, port: int, workers: int) -> None:
    """Run the HTTP API alone."""
    import uvicorn

    from coherence_pipelines.api import create_app

    if workers == 1:
        uvicorn.run(create_app(), host=host, port=port, log_level="info")
        return
    if not get_settings().database_url:
        # Safe all the same: every process opens the DuckDB file for one unit of work at a time, behind the
        # store's file lock (as the API and Dagster runs share it); only parsing then runs in parallel.
        click.echo(f"{workers} workers over the embedded DuckDB store take turns with its file: requests that "
                   "read or write the store run one at a time. Set COHERENCE_DATABASE_URL for parallel work.",
                   err=True)
    # Each worker is a process of its own that builds its app (and its store connections) from the
    # environment, so uvicorn gets the factory's import path rather than an app.
    uvicorn.run("coherence_pipelines.api:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--api-port", default=8000, show_default=True, type=int)
@click.option("--dagster-port", default=3000, show_default=True, type=int)
def up(host: str, api_port: int, dagster_port: int) -> None:
    """Run the API, the Dagster webserver and the daemon together; Ctrl-C stops all of them."""
    from coherence_pipelines.orchestration.supervisor import run_all

    sys.exit(run_all(get_settings(), host, api_port, dagster_port))


@main.group()
def keys() -> None:
    """API keys."""


@keys.command("create")
@click.option("--account", required=True, help="Account name; created if new.")
@click.option("--scopes", default="import,export,admin", show_default=True)
def keys_create(account: str, scopes: str) -> None:
    """Create an API key; the key is printed alone on the last line."""
    from coherence_pipelines.store.api_keys import new_key, parse_scopes

    try:
        scope_list = parse_scopes(scopes)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scopes") from None
    store = open_store(get_settings())
    key_id, key, key_hash = new_key()
    with store.session() as session:
        account_id = session.ensure_account(account)
        session.add_api_key(account_id, key_id, key_hash, scope_list)
    click.echo(f"account {account} ({account_id}), scopes {','.join(scope_list)}", err=True)
    click.echo(key)


@main.group()
def modules() -> None:
    """Custom modules and fields."""


@modules.command("load")
@click.argument("definition", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--account", default="default", show_default=True)
def modules_load(definition: Path, account: str) -> None:
    """Load an account's custom modules and fields from a YAML or JSON file (replaces the previous one)."""
    from coherence_pipelines.modules import parse_custom_definition

    try:
        custom = parse_custom_definition(definition.read_text())
    except CoherenceError as exc:
        raise click.ClickException(exc.message) from None
    with open_store(get_settings()).session() as session:
        account_id = session.ensure_account(account)
        session.save_custom_modules(account_id, custom)
    click.echo(f"loaded {', '.join(custom)} for account {account}")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--module", "module_slug", required=True)
@click.option("--account", default="default", show_default=True)
@click.option("--mapping", default="auto", show_default=True, help="auto, or a JSON file with a columnMapping")
@click.option("--duplicates", type=click.Choice(["skip", "update", "create"]), default="skip", show_default=True)
@click.option("--match", "match", multiple=True, help="Duplicate match field (repeatable)")
@click.option("--merge", type=click.Choice(["fill_empty", "overwrite", "prefer_import"]), default="prefer_import",
              show_default=True)
@click.option("--create-missing-references", is_flag=True)
@click.option("--static", "static", multiple=True, help="FIELD=VALUE applied to every record (repeatable)")
@click.option("--resume", metavar="JOB_ID", help="Go on with an interrupted import job of this file, after its "
              "last committed chunk, with the options it started with")
def import_file(file: Path, module_slug: str, account: str, mapping: str, duplicates: str, match: tuple[str, ...],
                merge: str, create_missing_references: bool, static: tuple[str, ...], resume: str | None) -> None:
    """Import one file straight into the store; prints the job summary as JSON on the last line."""
    from coherence_pipelines.cli_import import run_import

    try:
        result = run_import(open_store(get_settings()), file, module_slug, account, mapping, duplicates, list(match),
                            merge, create_missing_references, static, progress=sys.stderr.isatty(), resume=resume)
    except CoherenceError as exc:
        click.echo(json.dumps({"success": False, "error": exc.to_dict()}))
        sys.exit(1)
    click.echo(json.dumps(result))


@main.command("export")
@click.option("--module", "module_slug", help="The module to export (or --report).")
@click.option("--report", "report_id", help="A saved report to export instead of a whole module.")
@click.option("--format", "fmt", type=click.Choice(["csv", "pdf"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Default: <module>-export-<date>.<fmt>")
@click.option("--columns", help="Comma-separated field slugs (default: name, owner, dates)")
@click.option("--limit", type=int)
@click.option("--sort", "sort_field", help="Field to sort by")
@click.option("--desc", is_flag=True, help="Sort descending")
@click.option("--title", help="PDF title")
@click.option("--account", default="default", show_default=True)
def export(module_slug: str | None, report_id: str | None, fmt: str, out: Path | None, columns: str | None,
           limit: int | None, sort_field: str | None, desc: bool, title: str | None, account: str) -> None:
    """Export records to CSV or PDF straight from the store; prints a JSON summary on the last line."""
    from coherence_pipelines.cli_export import run_export

    if bool(module_slug) == bool(report_id):
        raise click.UsageError("name exactly one of --module and --report")
    config = {"columns": [c.strip() for c in columns.split(",") if c.strip()] if columns else None, "limit": limit,
              "sortField": sort_field, "sortDirection": ("desc" if desc else "asc") if sort_field else None,
              "title": title}
    try:
        result = run_export(open_store(get_settings()), account, fmt, module_slug=module_slug, report_id=report_id,
                            out=out, config={k: v for k, v in config.items() if v is not None})
    except CoherenceError as exc:
        click.echo(json.dumps({"success": False, "error": exc.to_dict()}))
        sys.exit(1)
    click.echo(json.dumps(result))


@main.command()
@click.option("--account", default="demo", show_default=True)
def demo(account: str) -> None:
    """Fill the store with a demo account: accounts, contacts, deals and a saved report."""
    from coherence_pipelines.cli_demo import fill_demo

    click.echo(json.dumps(fill_demo(open_store(get_settings()), account)))


if __name__ == "__main__":
    main()
