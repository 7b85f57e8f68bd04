"""Collection and transfer (收集、移交与接收): filing schedules, filing tasks and deadlines,
submissions by department clerks, receipt checks (DA/T 70), acceptance or return, reminders
and statistics. Imports the domain core (``archive``), the pipeline (``indexer``) and ``config``.
"""
