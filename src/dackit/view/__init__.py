"""``dackit view``: a local review app over a results folder (Panel on Bokeh).

See :mod:`dackit.view.app`. Panel and Bokeh are the optional dependency group ``view``.
"""
