"""Housekeeping: delete the rows that have served their purpose (issue 17, design.md §20).

``sweeps`` says what is deleted and after how long, ``pruning`` deletes it in short batches,
``manage.py housekeeping`` runs it (nightly, from ``deploy/systemd/``). Audit history is
never deleted.
"""
