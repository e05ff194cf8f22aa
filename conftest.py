"""Docstring examples run as tests (``--doctest-modules``); these modules cannot be imported outside
their runtime: the Lambda handler needs the function's environment, the Streamlit page runs
its app at import, and lab folders hold students' code."""

collect_ignore = ["reference/handler/app.py", "simulator/app/streamlit_app.py"]
collect_ignore_glob = ["labs/lab*", "tests/labs/wrong/*", "tests/conftest.py", "tests/*/conftest.py", "benchmarks/*", "build/*"]
