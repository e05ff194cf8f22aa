"""p4lab's graded labs: one folder per lab (``labNN-name/``) and the grader that scores them.

Run ``p4lab grade lab01`` to grade a lab folder; see ``docs/labs.md`` (students) and
``docs/instructors.md`` (Gradescope, GitHub Classroom, hidden checks).
"""
