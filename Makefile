.PHONY: bench bench-smoke test

bench:
	.venv/bin/python -m bench

bench-smoke:
	.venv/bin/python -m bench --smoke --out /tmp/coherence-bench-smoke.md

test:
	.venv/bin/pytest -q -n 2
