"""The camera unit at a dumping hotspot: detect dumping on the device, blur, deliver evidence.

Installs with ``pip install nettestad[edge]`` only: nothing here imports the server's libraries.

Setting a unit up:

1. Write the camera file (``NETTESTAD_CAMERA_CONFIG``, JSON, see ``edge.config.CameraConfig``):
   device id, hotspot id, ``source`` (``rtsp://...``, a USB index or a video file), the watched
   ``regions`` and ``private_zones`` as pixel polygons, ``min_object_area_px``, ``dwell_s`` and
   ``active_hours`` (Brussels time).
2. ``nettestad edge key`` creates the device key under ``NETTESTAD_DATA_DIR`` and prints its
   public half; on the server ``nettestad evidence enrol <device-id> <public-key>`` registers it.
3. ``nettestad edge run`` watches the camera. Events go out over MQTT (``NETTESTAD_MQTT_*``),
   files over HTTPS to ``NETTESTAD_API_URL`` (``NETTESTAD_API_CA_FILE`` for a private CA).

``nettestad edge make-testset`` and ``nettestad edge evaluate`` score the detector on synthetic
scenes (see ``bench/RESULTS.md``); ``nettestad edge replay VIDEO`` runs the unit over a recorded
file offline (see ``docs/camera.md``).
"""
