"""The code that ships to Lambda: one SQS batch of S3 upload events in, variants and metadata out.

Read it in the order the data flows: ``events`` (what arrives), ``app`` (what is done with
each record), ``engine`` (the image and PDF work), ``store`` (the DynamoDB item), ``keys``
(where objects and items live).
"""
