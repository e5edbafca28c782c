"""The camera unit at a dumping hotspot: detect dumping on the device, blur, deliver evidence.

Installs with ``nettestad[edge]`` only: nothing here imports the server's libraries.
"""
