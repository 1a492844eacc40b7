"""Batch submissions: accept a file of applications, decide it row by row, report per row.

The API stores the body as a blob and queues one `split` message; the worker streams the blob
into chunks of rows (`chunk` messages) and decides each row with an idempotency key made of
batch id and row number. In AWS the blob is in S3 and the messages go over SQS to the worker
Lambda; locally the same worker code runs in-process.
"""
