"""Legitimate work runs; malformed notebooks are refused before anything runs."""

from __future__ import annotations

import json

import nbformat
import pytest

from app.sandbox import notebooks
from tests.sandbox.conftest import text


def test_a_scientific_notebook_works(run):
    result = run(
        "import numpy as np, pandas as pd\n"
        "df = pd.DataFrame({'t': np.arange(10), 'v': np.arange(10) ** 2})\n"
        "float(df.describe().loc['mean', 'v'])",
        "import matplotlib.pyplot as plt\nplt.plot(df.t, df.v)\nplt.title('Energy')\nplt.show()",
        "from scipy import stats\nprint(round(stats.linregress(df.t, df.v).slope, 2))",
        "from sklearn.linear_model import LinearRegression\n"
        "print(LinearRegression().fit(df[['t']], df.v).coef_.round(1))",
    )
    assert [c.status for c in result.cells] == ["ok"] * 4
    assert text(result.cells[0]) == "28.5"
    assert [o.mime for o in result.cells[1].outputs] == ["image/png"]
    assert text(result.cells[2]) == "9.0\n" and text(result.cells[3]) == "[9.]\n"


def test_engineering_libraries_of_the_lab_environment_work(run):
    """What control-loop, statistics and plotting notebooks import (requirements-lab.txt):
    python-control, statsmodels and seaborn run; an ipywidgets control is named, not
    printed as its text form."""
    result = run(
        "import control as ct\n"
        "plant = ct.tf([-0.24], [45, 1]) * ct.tf(*ct.pade(12, 3))\n"
        "pi = ct.tf([5.21 * 45, 5.21], [45, 0])\n"
        "loop = ct.feedback(pi * plant, 1)\n"
        "print(round(float(ct.dcgain(ct.feedback(ct.tf([0.5], [10, 1]), 1))), 4))\n"
        "margin = ct.stability_margins(-pi * plant)[0]\n"
        "print(margin > 1)",
        "import numpy as np, pandas as pd, statsmodels.formula.api as smf\n"
        "rng = np.random.default_rng(1)\n"
        "df = pd.DataFrame({'speed': np.arange(40.0)})\n"
        "df['kwh'] = 2.0 + 0.5 * df.speed + rng.normal(0, 0.1, 40)\n"
        "fit = smf.ols('kwh ~ speed', data=df).fit()\n"
        "print(round(fit.params['speed'], 1), fit.rsquared > 0.99)",
        "import seaborn as sns, matplotlib.pyplot as plt\n"
        "sns.lineplot(data=df, x='speed', y='kwh')\nplt.show()",
        "import ipywidgets as widgets\nwidgets.IntSlider(value=50, description='Kc')",
    )
    assert [c.status for c in result.cells] == ["ok"] * 4, [c.error for c in result.cells]
    assert text(result.cells[0]) == "0.3333\nTrue\n"
    assert text(result.cells[1]) == "0.5 True\n"
    assert [o.mime for o in result.cells[2].outputs] == ["image/png"]
    [widget] = result.cells[3].outputs
    assert widget.type == "note" and "[IntSlider widget: widgets are not shown here" in widget.text
    assert "IntSlider(value=50" not in widget.text


def test_a_dataframe_is_shown_as_an_html_table_with_its_text_form(run):
    cell = run(
        "import pandas as pd\npd.DataFrame({'state': ['EXECUTE'], 'seconds': [3600]})"
    ).cells[0]
    [output] = cell.outputs
    assert output.mime == "text/html" and "<table" in output.data and "EXECUTE" in output.data
    assert "EXECUTE" in output.text  # the plain form, for the CLI and screen readers


def test_html_larger_than_the_output_limit_falls_back_to_text(run):
    cell = run("import pandas as pd\npd.DataFrame({'v': range(400)})", output_bytes=400).cells[0]
    assert not any(o.mime for o in cell.outputs)
    assert any("v" in o.text for o in cell.outputs)


def test_errors_are_results_not_exceptions(run):
    result = run("1/0", "print('next')")
    assert result.cells[0].status == "error"
    assert result.cells[0].error == {"name": "ZeroDivisionError", "message": "division by zero"}
    assert result.cells[1].status == "ok"


@pytest.mark.parametrize(
    "raw,message",
    [
        (b"not json", "not valid JSON"),
        (b"[]", "no cells"),
        (
            json.dumps({"cells": "x", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}).encode(),
            "not valid",
        ),
        (b" " * (6 * 1024 * 1024), "limit is 5 MB"),
    ],
)
def test_malformed_notebooks_are_refused(raw, message):
    with pytest.raises(notebooks.BadNotebook, match=message):
        notebooks.read(raw)


def test_nbformat3_notebooks_are_upgraded():
    old = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "input": "print(3)",
                        "language": "python",
                        "outputs": [],
                        "metadata": {},
                    }
                ],
                "metadata": {},
            }
        ],
    }
    notebook = notebooks.read(json.dumps(old))
    assert notebook.nbformat == 4
    assert notebooks.code_cells(notebook) == ["print(3)"]


def test_cli_exec_prints_one_json_object(app, tmp_path):
    path = tmp_path / "n.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("print('hi')"),
        nbformat.v4.new_code_cell("1/0"),
        nbformat.v4.new_markdown_cell("# text"),
    ]
    nbformat.write(notebook, path)
    result = app.test_cli_runner().invoke(
        args=["labs", "exec", str(path), "--json", "--timeout", "5"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [c["status"] for c in data["cells"]] == ["ok", "error"]
    assert data["cells"][0]["outputs"] == [{"type": "stream", "name": "stdout", "text": "hi\n"}]
    assert data["cells"][1]["error"]["name"] == "ZeroDivisionError"


def test_cli_refuses_a_bad_notebook_before_running(app, tmp_path):
    path = tmp_path / "bad.ipynb"
    path.write_text("{oops")
    result = app.test_cli_runner().invoke(args=["labs", "exec", str(path)])
    assert result.exit_code == 1 and "not valid JSON" in result.output


def test_pool_serves_warm_single_use_kernels():
    from app.sandbox import Environment, JupyterExecutor
    from tests.sandbox.conftest import FAST, LAB_PYTHON

    executor = JupyterExecutor(Environment(LAB_PYTHON), FAST, sandboxed=True, pool_size=2)
    executor.prestart()
    try:
        assert executor.pool.wait_until_full(timeout=60)
        first = nbformat.v4.new_notebook()
        first.cells = [nbformat.v4.new_code_cell("secret = 'left by learner A'\nprint('A')")]
        second = nbformat.v4.new_notebook()
        second.cells = [nbformat.v4.new_code_cell("print(globals().get('secret', 'clean'))")]
        assert text(executor.run(first).cells[0]) == "A\n"
        assert text(executor.run(second).cells[0]) == "clean\n"  # never the same kernel twice
        assert executor.pool.stats["warm"] == 2 and executor.pool.stats["cold"] == 0
        assert executor.pool.wait_until_full(timeout=60)  # refilled in the background
    finally:
        executor.pool.close()


def test_the_simulator_is_importable_and_read_only_in_the_sandbox():
    from app.sandbox import Environment, JupyterExecutor
    from tests.sandbox.conftest import FAST, LAB_PYTHON, ROOT

    executor = JupyterExecutor(
        Environment(LAB_PYTHON, packages=(ROOT / "plcsim",)), FAST, sandboxed=True
    )
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from plcsim.scenarios import scenario\n"
            "line = scenario('packaging-line', seed=SEED)\n"
            "frame = line.run(600).to_dataframe()\n"
            "print(frame.groupby('unit').produced_total.max()['Filler'] > 0)".replace("SEED", "4")
        ),
        nbformat.v4.new_code_cell(
            "import os, plcsim\n"
            "path = os.path.dirname(plcsim.__file__)\n"
            "try:\n    open(os.path.join(path, 'evil.py'), 'w')\n"
            "except OSError:\n    print('read-only')\n"
            "print(sorted(os.listdir(os.path.dirname(path))))"
        ),
    ]
    result = executor.run(notebook)
    assert text(result.cells[0]) == "True\n"
    out = text(result.cells[1])
    assert out.startswith("read-only") and "'app'" not in out and "'instance'" not in out


def test_a_burst_beyond_the_pool_does_not_wait_for_kernels_that_are_not_coming():
    """Five learners at once on a pool of one: four must not sit out the start-up timeout."""
    import asyncio
    import dataclasses

    from app.sandbox import Environment, JupyterExecutor
    from tests.sandbox.conftest import FAST, LAB_PYTHON

    executor = JupyterExecutor(Environment(LAB_PYTHON), FAST, sandboxed=True, pool_size=1)
    pool = executor.pool
    pool.config = dataclasses.replace(pool.config, startup_seconds=600)  # a wait would hang
    executor.prestart()
    try:
        assert pool.wait_until_full(timeout=60)

        async def burst():
            kernels = await asyncio.wait_for(
                asyncio.gather(*(pool.acquire() for _ in range(5))), timeout=120
            )
            await asyncio.gather(*(kernel.shutdown() for kernel in kernels))
            return len({kernel.id for kernel in kernels})

        assert pool.runner.call(burst(), 150) == 5  # five distinct kernels, none waited out
        assert pool.stats["warm"] + pool.stats["cold"] == 5
    finally:
        pool.close()


def test_kernels_keep_utc_whatever_the_servers_zone(run):
    """A learner's local time is UTC everywhere, so a result never depends on the grader."""
    result = run(
        "import os, sqlite3, time\n"
        "print(os.environ.get('TZ'), time.strftime('%Z'), time.timezone)\n"
        "db = sqlite3.connect(':memory:')\n"
        "print(db.execute(\"SELECT datetime('2026-03-08 08:30', 'localtime')\").fetchone()[0])"
    )
    assert text(result.cells[0]) == "UTC UTC 0\n2026-03-08 08:30:00\n"
