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

from edge.config import CameraConfig
from edge.detector import Detection
from edge.evidence import EvidenceTools, event_files, manifest_of, package_event
from edge.keys import DeviceSecret, load_or_create_key
from edge.privacy import PrivacyFilter
from edge.ring import FrameRing
from edge.settings import EdgeSettings
from edge.spool import Spool
from edge.synthetic import make_scene, render
from edge.uplink import DeliveryError, EvidenceRejectedError, EvidenceUploader
from edge.vault import RawVault

__all__ = [
    "CameraConfig",
    "DeliveryError",
    "Detection",
    "DeviceSecret",
    "EdgeSettings",
    "EvidenceRejectedError",
    "EvidenceTools",
    "EvidenceUploader",
    "FrameRing",
    "PrivacyFilter",
    "RawVault",
    "Spool",
    "event_files",
    "load_or_create_key",
    "make_scene",
    "manifest_of",
    "package_event",
    "render",
]
