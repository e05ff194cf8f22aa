"""p4lab: the Phase 4 image pipeline, its simulator, chaos drills and graded labs.

This package is only the ``p4lab`` command line that joins the parts (``p4lab/cli.py``);
each part is its own package: ``reference`` (the pipeline), ``simulator``, ``chaos`` and
``labs``. The pipeline never imports the others.
"""
