"""Reports: what managers, facilitators and admins see of learning, and its exports.

- ``scope``: whose rows a report may show (organisations and their units, cohorts, or all);
- ``filters``: the GET form every report shares (course, cohort, unit, dates, session);
- ``queries/``: read models, one module per subject, each a fixed number of queries;
- ``tables``: every exportable table, its columns and where its rows come from;
- ``exports``: CSV streamed row by row and XLSX in constant memory, formula-safe;
- ``chart``: the small server-rendered SVG chart of completions over time;
- ``plugin_reports``: reports plugins add through ``lms_reports``;
- ``views/``: the blueprint.
"""
