"""`p4lab load`: an open-loop load test against a deployed pipeline, on any target.

Uploads arrive on a schedule fixed in advance (Poisson at a rate, or a simulator scenario's
shape squeezed into a few minutes) whether or not the pipeline keeps up, as real users do;
a closed loop (send the next when the last is done) would hide every queue. While it runs, the
queue, the workers and the items are sampled at a fixed interval; at the end it reports
throughput, upload→DONE latency percentiles, failures and the dead-letter queue, and writes a
JSON record with everything a simulator needs to replay the run, plus a PNG timeline.

    workload.py   what arrives and when: the schedule and the file mix
    runner.py     sends on schedule, samples the pipeline, waits for the stragglers
    record.py     the JSON record (schema ``p4lab-load/1``) and its summary numbers
    report.py     the table and the timeline plot
    clean.py      removes exactly what load tests uploaded (``p4lab load --clean``)
    command.py    the command line
"""
