"""The demo: the simulated city with ingest, the web app and camera evidence on one machine.

``demo.stack`` starts and supervises the parts (``nettestad demo``), ``demo.cameras`` gives the
simulated detections evidence made by the camera unit's own pipeline, ``demo.cli`` is the
command. It sits above every other part (it runs them all), as the command line does.
"""

from demo.cameras import DemoCameras, start
from demo.stack import run

__all__ = ["DemoCameras", "run", "start"]
