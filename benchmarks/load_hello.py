"""The floor of `make bench-load`'s page ratios: a bare Flask hello-world.

benchmarks/load.py serves it under the same gunicorn settings as the mode it compares with
(``gunicorn ... benchmarks.load_hello:app``) and drives it with the same Locust users, so
"lesson page ÷ hello-world" says what Shopfloor's work costs, not what the machine can do.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
