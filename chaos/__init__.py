"""Chaos drills for the p4lab pipeline: Chaos Toolkit experiments and their Python activities.

Every experiment in ``chaos/experiments/`` is a standard Chaos Toolkit file (``chaos run
FILE`` works on it) whose probes and actions are ``"type": "python"`` providers from this
package. The modules follow the pipeline, one concern each:

* ``context``   — which stack an activity talks to (from the experiment's configuration);
* ``drill``     — the drill's own record: uploads, kills, fault windows, expectations;
* ``uploads``   — drill uploads through the real presigned-POST path;
* ``workers``   — find and SIGKILL the function's Lambda worker processes (embedded only);
* ``capacity``  — throttle the function with reserved concurrency;
* ``faults``    — the handler's fault-injection switch and a permissions regression;
* ``clocks``    — the queue's redelivery clock (visibility timeout) for short drills;
* ``ledger``    — every setting a drill changes, with its original value, so it can be restored;
* ``redrive``   — move dead letters back to the source queue;
* ``pipeline``  — probes: dead letters, backlog, lost uploads, duplicates, the DLQ alarm;
* ``runner``, ``summary``, ``report``, ``cli`` — ``p4lab chaos run``: run, summarise, write a report.

See docs/chaos.md for running a drill in class and what each experiment proves.
"""
