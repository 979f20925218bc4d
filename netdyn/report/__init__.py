"""The HTML reports: the report of an analysis run, the report of a comparison, their plots,
tree drawings and plain-language verdicts, and the Jinja templates (``templates/``).
"""
