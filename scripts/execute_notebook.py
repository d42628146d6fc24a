"""Execute one notebook headless with nbclient (Debian's python3-nbclient) and save it.

Unlike `jupyter nbconvert --execute`, a failure prints what the failing cell wrote (tslab reports
TypeScript compile errors on the cell's stderr, and nbconvert's exception message is empty for them).
Usage: python3 execute_notebook.py <in.ipynb> <out.ipynb> <timeout_s>
       python3 execute_notebook.py --check   (exit 2 and say what to install when Jupyter is missing)
"""
import sys

try:
    import IPython  # noqa: F401  (tslab's kernel installer needs it, with jupyter_client)
    import jupyter_client  # noqa: F401
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
except ImportError as err:
    sys.stderr.write(
        f"Jupyter is missing for {sys.executable} ({err}): the notebooks need nbclient, nbformat and ipykernel.\n"
        "Install them with `npm run setup`, or: sudo apt-get install -y jupyter-nbconvert python3-nbclient "
        "python3-ipykernel (other systems and ZS_PYTHON: environment.md).\n"
    )
    sys.exit(2)


def cell_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(f"[{out.get('name')}] {out.get('text', '')}")
        elif out.get("output_type") == "error":
            parts.append(f"[error] {out.get('ename')}: {out.get('evalue')}")
    return "".join(parts)


def main():
    if sys.argv[1:] == ["--check"]:
        return
    src, dst, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3])
    nb = nbformat.read(src, as_version=4)
    nbformat.validator.normalize(nb)  # adds missing cell ids instead of warning about them
    client = NotebookClient(nb, timeout=timeout, kernel_name=nb.metadata.get("kernelspec", {}).get("name", "tslab"))
    failed = None
    try:
        client.execute()
    except CellExecutionError:
        # nbclient stops at the failing cell: it is the last one that got an execution count.
        failed = max(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count"))
    nbformat.write(nb, dst)
    if failed is not None:
        cell = nb.cells[failed]
        sys.stderr.write(f"cell {failed} failed:\n{cell.source}\n--- its output ---\n{cell_text(cell)}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
