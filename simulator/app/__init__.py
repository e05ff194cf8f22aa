"""The instructor app: the simulator in Streamlit, for projecting in class.

Start it with ``p4lab sim-app`` (or ``make sim-app``); the page is `streamlit_app.py`. The
modules split the page by job, so each can be read and tested alone:

* `controls`  — the sidebar: a table of scenario controls, and presets / YAML upload & download;
* `runs`      — cached simulation runs and the headline metrics read from a result;
* `charts`    — Altair charts of one or more results (time series, cost, storage growth);
* `growth`    — S3 storage month by month, with and without a lifecycle rule (price book);
* `compare`   — which settings and metrics differ between two scenarios;
* `views`     — one function that renders the results of one or two scenarios;
* `launch`    — ``p4lab sim-app``: start ``streamlit run`` in its own process group, stop it all.

See docs/simulator-app.md.
"""
