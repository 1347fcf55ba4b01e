"""``flask curriculum preview``: the curriculum and labs served live as an author edits them.

- ``watch``: which files changed (stat polling, no Flask);
- ``labs``: run a changed lab generator, build the learner version, report problems;
- ``checks``: the lab check (``flask labs check --seeds 1``) in a background thread;
- ``tokens``: the one-use entry token printed in the terminal;
- ``session``: validate, sync into the preview's own database, keep the problems and the
  generation pages reload on;
- ``server``: the real app on that database, with the session and the watcher;

The preview-only pages are a blueprint of the web part, ``app.web.preview``, registered only
when ``PREVIEW`` is set; this package never imports the web part.
"""
