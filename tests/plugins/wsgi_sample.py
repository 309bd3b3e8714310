"""An app for subprocess tests: ``flask --app tests.plugins.wsgi_sample ...``.

Like the project's wsgi.py, but its instance folder (and so its SQLite database and the
scheduler's lock file) is ``$SAMPLE_INSTANCE_PATH``. Plugins come from ``LMS_PLUGINS`` and
``LMS_PLUGIN_PATHS`` in the environment, as on a real site.
"""

import os

from lms import create_app

app = create_app({"INSTANCE_PATH": os.environ["SAMPLE_INSTANCE_PATH"]})
