"""The upload area: staff upload several files with one metadata form and watch their progress."""
